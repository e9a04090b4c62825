import type { Clock } from '../../core/clock.js';
import { sha256Hex } from '../../core/crypto.js';
import { AppError, notFound } from '../../core/errors.js';
import { newId, randomBase62 } from '../../core/ids.js';
import type { Db } from '../../db/database.js';
import { parseJson, toJson } from '../../db/database.js';
import { page, type Page } from '../../http/schemas.js';
import { rateLimitFor } from '../organizations/plans.js';
import { createApiKeyRepository, type ApiKeyRow } from './api-key.repository.js';
import { scopes as allScopes, type Scope } from './scopes.js';

/** What a request authenticated by an API key may do, and on whose behalf. */
export interface AuthContext {
  apiKeyId: string;
  organizationId: string;
  scopes: ReadonlySet<Scope>;
  rateLimit: number;
}

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** `prl_` and 43 base62 characters: 256 bits from a CSPRNG. */
const keyPrefix = 'prl_';
const keyPattern = /^prl_[0-9A-Za-z]{43}$/;
/** last_used_at is written at most this often per key, so reads stay reads. */
const touchEveryMs = 60_000;

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: parseJson<Scope[]>(row.scopes),
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

export function createApiKeyService(deps: { db: Db; clock: Clock }) {
  const repo = createApiKeyRepository(deps.db.kysely);

  return {
    async authenticate(presented: string): Promise<AuthContext | undefined> {
      if (!keyPattern.test(presented)) return undefined;
      const row = await repo.findActiveByHash(sha256Hex(presented));
      if (!row) return undefined;
      const now = deps.clock.now();
      if (!row.last_used_at || now.getTime() - Date.parse(row.last_used_at) > touchEveryMs) {
        await repo.touch(row.id, now.toISOString());
      }
      return {
        apiKeyId: row.id,
        organizationId: row.organization_id,
        scopes: new Set(parseJson<Scope[]>(row.scopes)),
        rateLimit: rateLimitFor(row.plan, row.rate_limit_per_minute),
      };
    },

    /** Creates a key; the secret is in the answer and nowhere else, ever. */
    async create(input: { organizationId: string; name: string; scopes?: Scope[] | undefined }): Promise<ApiKey & { key: string }> {
      const secret = randomBase62(43);
      const key = `${keyPrefix}${secret}`;
      const granted = input.scopes && input.scopes.length > 0 ? [...new Set(input.scopes)] : [...allScopes];
      const row: ApiKeyRow = {
        id: newId('key'),
        organization_id: input.organizationId,
        name: input.name,
        prefix: `${keyPrefix}${secret.slice(0, 6)}`,
        key_hash: sha256Hex(key),
        scopes: toJson(granted),
        created_at: deps.clock.now().toISOString(),
        last_used_at: null,
        revoked_at: null,
      };
      await repo.insert({ ...row, scopes: toJson(granted) });
      return { ...toApiKey(row), key };
    },

    /** A key may only hand out permissions it holds itself. */
    assertCanGrant(holder: AuthContext, requested: Scope[] | undefined): void {
      const wanted = requested && requested.length > 0 ? requested : [...allScopes];
      const missing = wanted.filter((s) => !holder.scopes.has(s));
      if (missing.length > 0) {
        throw new AppError(
          'INSUFFICIENT_PERMISSIONS',
          `A key cannot grant permissions it does not hold: ${missing.join(', ')}`,
          { missing },
        );
      }
    },

    async list(organizationId: string, limit: number, offset: number): Promise<Page<ApiKey>> {
      const [rows, total] = await Promise.all([repo.list(organizationId, limit, offset), repo.count(organizationId)]);
      return page(rows.map(toApiKey), total, limit, offset);
    },

    async revoke(organizationId: string, id: string): Promise<void> {
      const row = await repo.findById(organizationId, id);
      if (!row) throw notFound('API key', id);
      await repo.revoke(organizationId, id, deps.clock.now().toISOString());
    },
  };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;
