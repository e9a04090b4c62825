import { z } from 'zod';
import { paginationQuery, sortOrder, timestamp } from '../../http/schemas.js';

export const sessionStatuses = ['created', 'in_progress', 'paused', 'completed', 'abandoned'] as const;

const isoTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }).transform((v) => new Date(v).toISOString());

export const listSessionsQuery = z.object({
  status: z.enum(sessionStatuses).optional(),
  from: isoTime.optional().describe('Sessions created at or after'),
  to: isoTime.optional().describe('Sessions created before'),
  sort: z.enum(['createdAt', 'completedAt', 'duration']).default('createdAt'),
  order: sortOrder,
  ...paginationQuery,
});

export const sessionParams = z.object({ sessionId: z.string().max(64) });
export const sessionFileParams = z.object({ sessionId: z.string().max(64), fileId: z.string().max(64) });

export const sessionSchema = z
  .object({
    id: z.string(),
    campaignId: z.string(),
    inviteId: z.string(),
    status: z.string(),
    participant: z.object({ email: z.string().nullable(), name: z.string().nullable() }),
    startedAt: timestamp.nullable(),
    completedAt: timestamp.nullable(),
    duration: z.number().int().nullable().describe('Seconds'),
    questionsAnswered: z.number().int(),
    totalQuestions: z.number().int(),
    language: z.string(),
    sentiment: z.object({ overall: z.string(), score: z.number() }).nullable(),
    device: z.object({ browser: z.string().nullable(), os: z.string().nullable(), type: z.string() }).nullable(),
    metadata: z.record(z.string(), z.unknown()),
    consent: z.record(z.string(), z.unknown()).nullable(),
    lastSeenAt: timestamp.nullable(),
    pausedAt: timestamp.nullable(),
    pauseReason: z.string().nullable(),
    endedBy: z.string().nullable().describe("'participant', or 'time_limit' when maxDuration ended it"),
    createdAt: timestamp,
  })
  .meta({ id: 'Session' });

export const pauseBody = z.object({ reason: z.string().trim().max(500).optional() }).strict();
export const consentBody = z
  .object({ granted: z.boolean(), type: z.enum(['recording', 'data_processing', 'all']), ip: z.string().max(64).optional() })
  .strict();

export const sessionFileSchema = z
  .object({ id: z.string(), sessionId: z.string(), filename: z.string(), contentType: z.string(), size: z.number().int(), sha256: z.string(), createdAt: timestamp })
  .meta({ id: 'SessionFile' });
