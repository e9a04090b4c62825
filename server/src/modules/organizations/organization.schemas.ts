import { z } from 'zod';
import { boundedObject, timestamp } from '../../http/schemas.js';

export const organizationSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    plan: z.string(),
    logo: z.string().nullable(),
    domain: z.string().nullable(),
    settings: z.record(z.string(), z.unknown()),
    rateLimit: z.object({ requestsPerMinute: z.number().int() }),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Organization' });

const hostname = /^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/;

export const updateOrganizationBody = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    logo: z
      .url({ protocol: /^https?$/, error: 'logo must be an http(s) URL' })
      .max(2048)
      .nullable()
      .optional(),
    domain: z
      .string()
      .trim()
      .toLowerCase()
      .regex(hostname, 'domain must be a host name such as interviews.example.com (no scheme or path)')
      .nullable()
      .optional()
      .describe('Custom domain for interview links; links become https://<domain>/interview/<token>'),
    settings: boundedObject(16_384).optional(),
  })
  .strict();
