import { z } from 'zod';
import { durationPattern } from '../../core/durations.js';
import { boundedObject, metadataSchema, paginationQuery, sortOrder, timestamp } from '../../http/schemas.js';

export const campaignStatuses = ['active', 'paused', 'archived'] as const;
export const languages = ['en', 'es', 'fr', 'de', 'pt'] as const;

const bounded = (max: number) => (o: object) => Buffer.byteLength(JSON.stringify(o)) <= max;

/** Known settings are checked; others are kept as given (bounded in size). */
export const campaignSettings = z
  .object({
    voice: z.string().max(50).optional(),
    language: z.enum(languages).optional().describe('Language of the interview page and emails'),
    maxDuration: z.number().int().min(60).max(14_400).optional().describe('Seconds'),
    requireConsent: z.boolean().optional(),
    verifyEmail: z.boolean().optional(),
    abandonAfterMinutes: z.number().int().min(1).max(10_080).optional(),
    trackOpens: z.boolean().optional(),
    trackClicks: z.boolean().optional(),
    reminders: z
      .object({
        enabled: z.boolean(),
        firstAfterDays: z.number().int().min(1).max(60),
        finalBeforeExpiryDays: z.number().int().min(0).max(30),
        max: z.number().int().min(0).max(5),
      })
      .partial()
      .strict()
      .optional(),
  })
  .catchall(z.unknown())
  .refine(bounded(16_384), 'settings is larger than 16 KB');

export const inviteDefaults = z
  .object({
    expiresIn: z.string().regex(durationPattern, "expiresIn must look like '30m', '24h', '7d', '2w' or 'never'").optional(),
    emailTemplate: z.string().max(100).optional().describe("An invitation template's id, or 'default'"),
    reminderTemplate: z.string().max(100).optional().describe("A reminder template's id, or 'default'"),
    sendEmail: z.boolean().optional(),
    reminderDaysBeforeExpiry: z.number().int().min(1).max(60).optional(),
  })
  .catchall(z.unknown())
  .refine(bounded(8_192), 'inviteDefaults is larger than 8 KB');

const futureTimestamp = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 date-time' })
  .transform((v) => new Date(v).toISOString());

export const createCampaignBody = z
  .object({
    name: z.string().trim().min(1, 'name must not be empty').max(100),
    description: z.string().trim().max(500).nullable().optional(),
    scriptId: z.string().max(64),
    projectId: z.string().max(64).nullable().optional(),
    settings: campaignSettings.optional(),
    inviteDefaults: inviteDefaults.optional(),
    metadata: metadataSchema.optional(),
    expiresAt: futureTimestamp.nullable().optional().describe('When the whole campaign stops accepting interviews'),
  })
  .strict();

/** Objects are merged into what is stored; a key set to null is removed. */
export const updateCampaignBody = z
  .object({
    name: z.string().trim().min(1, 'name must not be empty').max(100).optional(),
    description: z.string().trim().max(500).nullable().optional(),
    projectId: z.string().max(64).nullable().optional(),
    status: z.enum(campaignStatuses).optional(),
    settings: boundedObject(16_384).optional(),
    inviteDefaults: boundedObject(8_192).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    expiresAt: futureTimestamp.nullable().optional(),
  })
  .strict();

export const listCampaignsQuery = z.object({
  status: z.enum(campaignStatuses).optional(),
  projectId: z.string().max(64).optional(),
  search: z.string().max(100).optional(),
  sort: z.enum(['name', 'createdAt', 'updatedAt']).default('createdAt'),
  order: sortOrder,
  ...paginationQuery,
});

export const campaignParams = z.object({ campaignId: z.string().max(64) });

export const campaignStatsSchema = z.object({
  totalInvites: z.number().int(),
  completedSessions: z.number().int(),
  averageDuration: z.number().describe('Seconds'),
  invitesByStatus: z
    .object({
      pending: z.number().int(),
      started: z.number().int(),
      completed: z.number().int(),
      expired: z.number().int(),
      cancelled: z.number().int(),
    })
    .describe('Invites per status, exact at the time of the request (expiry included)'),
  emails: z
    .object({ sent: z.number().int(), delivered: z.number().int(), opened: z.number().int(), clicked: z.number().int(), bounced: z.number().int() })
    .describe('Invites whose email reached each stage (each invite counted once)'),
  deliveryRate: z.number().describe('delivered / sent, 0-1'),
  engagementRate: z.number().describe('opened / delivered, 0-1'),
  conversionRate: z.number().describe('started / delivered, 0-1'),
  completionRate: z.number().describe('completed / started, 0-1'),
  medianInviteToStart: z.number().nullable().describe('Seconds from delivery to start'),
  medianStartToCompletion: z.number().nullable().describe('Seconds from start to completion'),
});

export const campaignSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    scriptId: z.string(),
    scriptVersion: z.number().int().describe('The script version this campaign pinned when it was created'),
    projectId: z.string().nullable(),
    status: z.enum(campaignStatuses),
    settings: z.record(z.string(), z.unknown()),
    inviteDefaults: z.record(z.string(), z.unknown()),
    metadata: z.record(z.string(), z.unknown()),
    expiresAt: timestamp.nullable(),
    stats: campaignStatsSchema,
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Campaign' });
