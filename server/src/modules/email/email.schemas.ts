import { z } from 'zod';
import { paginationQuery, timestamp } from '../../http/schemas.js';
import { emailSchema } from '../invites/invite.schemas.js';
import { suppressionReasons } from './suppression.service.js';
import { templateVariables } from './template-render.js';
import { emailLanguages } from './default-templates.js';

export const suppressionSchema = z
  .object({ email: z.string(), reason: z.enum(suppressionReasons), detail: z.string().nullable(), createdAt: timestamp })
  .meta({ id: 'Suppression' });

export const listSuppressionsQuery = z.object({
  email: z.string().max(254).optional(),
  reason: z.enum(suppressionReasons).optional(),
  ...paginationQuery,
});

export const createSuppressionBody = z
  .object({ email: emailSchema, detail: z.string().trim().max(500).optional() })
  .strict();

export const suppressionParams = z.object({ email: z.string().max(254) });

const kind = z.enum(['invite', 'reminder']);
const subject = z.string().trim().min(1).max(200).refine((s) => !/[\r\n]/.test(s), 'subject must be one line');
const html = z.string().min(1).max(200_000);
const text = z.string().min(1).max(100_000);

export const templateSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind,
    subject: z.string(),
    html: z.string(),
    text: z.string(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'EmailTemplate' });

export const createTemplateBody = z
  .object({ name: z.string().trim().min(1).max(100), kind: kind.default('invite'), subject, html, text })
  .strict()
  .describe(`Variables: ${templateVariables.map((v) => `{{${v}}}`).join(', ')}; {{#var}}…{{/var}} shows a block only when var is set`);

export const updateTemplateBody = z.object({ name: z.string().trim().min(1).max(100).optional(), subject: subject.optional(), html: html.optional(), text: text.optional() }).strict();

export const templateParams = z.object({ templateId: z.string().max(64) });

export const previewBody = z
  .object({
    templateId: z.string().max(64).optional().describe("A saved template, or 'default' for the built-in one"),
    kind: kind.default('invite'),
    language: z.enum(emailLanguages as [string, ...string[]]).default('en'),
    subject: subject.optional(),
    html: html.optional(),
    text: text.optional(),
    sample: z.record(z.string(), z.string().max(2000)).optional().describe('Values to use instead of the sample data'),
  })
  .strict()
  .refine((b) => [b.subject, b.html, b.text].every((v) => v === undefined) || [b.subject, b.html, b.text].every((v) => v !== undefined), 'give subject, html and text together, or none');

export const renderedSchema = z.object({ subject: z.string(), html: z.string(), text: z.string() }).meta({ id: 'RenderedEmail' });

export const deliverySchema = z
  .object({
    id: z.string(),
    kind: z.enum(['invite', 'resend', 'reminder']),
    status: z.string(),
    to: z.string(),
    messageId: z.string(),
    providerId: z.string().nullable(),
    attempts: z.number().int(),
    softBounces: z.number().int(),
    lastError: z.string().nullable(),
    nextAttemptAt: timestamp.nullable(),
    createdAt: timestamp,
    sentAt: timestamp.nullable(),
    deliveredAt: timestamp.nullable(),
    openedAt: timestamp.nullable(),
    clickedAt: timestamp.nullable(),
    bouncedAt: timestamp.nullable(),
    failedAt: timestamp.nullable(),
    events: z.array(z.object({ type: z.string(), source: z.string(), detail: z.string().nullable(), raw: z.unknown(), at: timestamp })),
  })
  .meta({ id: 'EmailDelivery' });
