import { z } from 'zod';
import { paginationQuery, timestamp } from '../../http/schemas.js';
import { scopes } from './scopes.js';

export const scopeSchema = z.enum(scopes);

export const apiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().describe('The visible start of the key, to recognise it'),
    scopes: z.array(scopeSchema),
    createdAt: timestamp,
    lastUsedAt: timestamp.nullable(),
    revokedAt: timestamp.nullable(),
  })
  .meta({ id: 'ApiKey' });

export const createdApiKeySchema = apiKeySchema
  .extend({ key: z.string().describe('The secret key. Shown once: store it now.') })
  .meta({ id: 'CreatedApiKey' });

export const createApiKeyBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    scopes: z.array(scopeSchema).max(scopes.length).optional().describe('Defaults to every permission the caller holds'),
  })
  .strict();

export const listApiKeysQuery = z.object({ ...paginationQuery });
export const apiKeyParams = z.object({ keyId: z.string().max(64) });
