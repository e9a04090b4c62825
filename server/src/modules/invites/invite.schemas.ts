import { z } from 'zod';
import { durationPattern } from '../../core/durations.js';
import { metadataSchema, paginationQuery, timestamp } from '../../http/schemas.js';
import { emailStatuses } from './invite-delivery.js';
import { inviteStatuses } from './invite-state.js';

/** A practical address check: one @, a dotted domain, no spaces or quotes; at most 254 characters. */
export const emailPattern =
  /^[^\s@"<>()[\]\\,;:]{1,64}@(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

export const emailSchema = z.string().trim().max(254).regex(emailPattern, 'not a valid email address');
const name = z.string().trim().max(200);
const expiresIn = z.string().regex(durationPattern, "expiresIn must look like '30m', '24h', '7d', '2w' or 'never'");
const isoTime = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 date-time' })
  .transform((v) => new Date(v).toISOString());

const inviteFields = {
  email: emailSchema.optional(),
  name: name.nullable().optional(),
  expiresIn: expiresIn.optional(),
  expiresAt: isoTime.optional().describe('Exact expiry; takes precedence over expiresIn'),
  metadata: metadataSchema.optional(),
  emailTemplate: z.string().max(100).optional(),
  reminderDaysBeforeExpiry: z.number().int().min(1).max(60).optional(),
};

export const createInviteBody = z
  .object({
    ...inviteFields,
    sendEmail: z.boolean().optional().describe('Send the invite email (default true); email is required when true'),
  })
  .strict();

export const bulkCreateBody = z
  .object({
    invites: z.array(z.object(inviteFields).strict()).min(1).max(500),
    sendEmail: z.boolean().optional(),
    expiresIn: expiresIn.optional(),
    expiresAt: isoTime.optional(),
    emailTemplate: z.string().max(100).optional(),
  })
  .strict();

export const updateInviteBody = z
  .object({
    name: name.nullable().optional(),
    metadata: z.record(z.string(), z.unknown()).optional().describe('Merged into the stored metadata; null removes a key'),
    reminderDaysBeforeExpiry: z.number().int().min(1).max(60).nullable().optional(),
  })
  .strict();

export const extendBody = z
  .object({ expiresAt: isoTime.optional(), expiresIn: expiresIn.optional() })
  .strict()
  .refine((b) => b.expiresAt !== undefined || b.expiresIn !== undefined, 'give expiresAt or expiresIn');

export const resendBody = z
  .object({ message: z.string().trim().max(2000).optional().describe('A personal note added to the email') })
  .strict();

const metadataKey = /^metadata\[([A-Za-z0-9_.-]{1,100})\]$/;

/** Query of the invite list; `metadata[key]=value` filters are read from the raw query. */
export const listInvitesQuery = z
  .object({
    status: z.enum(inviteStatuses).optional(),
    email: z.string().max(254).optional(),
    ...paginationQuery,
  })
  .catchall(z.string().max(2000))
  .superRefine((q, ctx) => {
    for (const key of Object.keys(q)) {
      if (['status', 'email', 'limit', 'offset'].includes(key) || metadataKey.test(key)) continue;
      ctx.addIssue({ code: 'custom', path: [key], message: `unknown query parameter ${key} (metadata filters look like metadata[key]=value)` });
    }
  });

const exportKeys = ['status', 'email', 'emailDomain', 'createdAfter', 'createdBefore', 'expiresAfter', 'expiresBefore'];

export const exportInvitesQuery = z
  .object({
    status: z.enum(inviteStatuses).optional(),
    email: z.string().max(254).optional(),
    emailDomain: z.string().trim().min(1).max(253).optional(),
    createdAfter: isoTime.optional(),
    createdBefore: isoTime.optional(),
    expiresAfter: isoTime.optional(),
    expiresBefore: isoTime.optional(),
  })
  .catchall(z.string().max(2000))
  .superRefine((q, ctx) => {
    for (const key of Object.keys(q)) {
      if (exportKeys.includes(key) || metadataKey.test(key)) continue;
      ctx.addIssue({ code: 'custom', path: [key], message: `unknown query parameter ${key}` });
    }
  });

const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

export const importInvitesQuery = z
  .object({
    sendEmail: flag.optional().describe('Send each invite by email (default true)'),
    expiresIn: expiresIn.optional(),
    expiresAt: isoTime.optional(),
    emailTemplate: z.string().max(100).optional(),
    report: z.enum(['errors', 'full']).default('errors').describe("'full' lists created rows too"),
  })
  .strict();

export const importReportSchema = z
  .object({
    completed: z.boolean().describe('false when the import stopped early; rows before the stop are kept'),
    total: z.number().int(),
    created: z.number().int(),
    skipped: z.number().int(),
    invalid: z.number().int(),
    rows: z.array(
      z.object({
        line: z.number().int(),
        email: z.string().nullable(),
        outcome: z.enum(['created', 'skipped', 'invalid']),
        inviteId: z.string().optional(),
        reason: z.string().optional(),
      }),
    ),
    error: z.object({ line: z.number().int(), message: z.string() }).optional(),
  })
  .meta({ id: 'InviteImportReport' });

export const shareSchema = z
  .object({
    inviteUrl: z.string(),
    message: z.string(),
    mailto: z.string(),
    whatsapp: z.string(),
    sms: z.string(),
    qrCode: z.object({ png: z.string(), svg: z.string() }),
  })
  .meta({ id: 'InviteShareLinks' });

export const qrQuery = z
  .object({
    format: z.enum(['png', 'svg']).default('png'),
    size: z.coerce.number().int().min(64).max(2048).default(512),
  })
  .strict();

export function metadataFilter(query: Record<string, unknown>): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    const match = metadataKey.exec(key);
    if (match && typeof value === 'string') out[match[1]!] = value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

export const selectionFilter = z
  .object({
    status: z.enum(inviteStatuses).optional(),
    emailDomain: z.string().trim().min(1).max(253).optional(),
    createdAfter: isoTime.optional(),
    createdBefore: isoTime.optional(),
    expiresAfter: isoTime.optional(),
    expiresBefore: isoTime.optional(),
  })
  .strict();

/** Which invites a bulk action applies to: listed ids, or a filter (`{}` with `all: true` for every invite). */
const selection = {
  ids: z.array(z.string().max(64)).min(1).max(1000).optional(),
  filter: selectionFilter.optional(),
  all: z.boolean().optional(),
};

function needsSelection<T extends { ids?: unknown; filter?: Record<string, unknown> | undefined; all?: boolean | undefined }>(b: T) {
  const filtered = b.filter !== undefined && Object.keys(b.filter).length > 0;
  return (b.ids !== undefined) !== (filtered || b.all === true);
}

export const bulkCancelBody = z.object(selection).strict().refine(needsSelection, 'give ids, or a non-empty filter, or all: true');
export const bulkExtendBody = z
  .object({ ...selection, expiresAt: isoTime.optional(), expiresIn: expiresIn.optional() })
  .strict()
  .refine(needsSelection, 'give ids, or a non-empty filter, or all: true')
  .refine((b) => b.expiresAt !== undefined || b.expiresIn !== undefined, 'give expiresAt or expiresIn');
export const bulkResendBody = z
  .object({ ...selection, message: z.string().trim().max(2000).optional() })
  .strict()
  .refine(needsSelection, 'give ids, or a non-empty filter, or all: true');

export const inviteSchema = z
  .object({
    id: z.string(),
    campaignId: z.string(),
    token: z.string().describe('The secret of the link; treat it like a password'),
    email: z.string().nullable(),
    name: z.string().nullable(),
    status: z.enum(inviteStatuses),
    inviteUrl: z.string(),
    emailStatus: z.enum(emailStatuses),
    expiresAt: timestamp.nullable().describe('When the link stops working: the earlier of the invite and campaign expiry'),
    metadata: z.record(z.string(), z.unknown()),
    emailTemplate: z.string().nullable(),
    reminderDaysBeforeExpiry: z.number().int().nullable(),
    startedAt: timestamp.nullable(),
    completedAt: timestamp.nullable(),
    cancelledAt: timestamp.nullable(),
    lastSentAt: timestamp.nullable(),
    sendCount: z.number().int(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Invite' });

export const bulkResultSchema = z
  .object({
    matched: z.number().int(),
    changed: z.number().int(),
    failedCount: z.number().int(),
    failed: z
      .array(z.object({ id: z.string(), code: z.string(), message: z.string() }))
      .describe('The invites that could not be changed, and why (at most 1,000 listed)'),
  })
  .meta({ id: 'BulkInviteResult' });

export const inviteParams = z.object({ inviteId: z.string().max(64) });
export const campaignInvitesParams = z.object({ campaignId: z.string().max(64) });
