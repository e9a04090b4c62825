import type { Clock } from '../../core/clock.js';
import type { Db } from '../../db/database.js';
import { createIdempotencyRepository, type IdempotencyRow } from './idempotency.repository.js';

export const idempotencyTtlMs = 24 * 3_600_000;
/** A `processing` row older than this belongs to a request that died; it may be taken over. */
const staleAfterMs = 120_000;

export type Claim =
  | { kind: 'claimed' }
  | { kind: 'replay'; status: number; type: string; body: string }
  | { kind: 'mismatch' }
  | { kind: 'in_progress' };

export function createIdempotencyService(deps: { db: Db; clock: Clock }) {
  const repo = createIdempotencyRepository(deps.db.kysely);

  function fresh(fingerprint: string) {
    const now = deps.clock.now();
    return {
      fingerprint,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + idempotencyTtlMs).toISOString(),
    };
  }

  function judge(row: IdempotencyRow, fingerprint: string): Claim | 'expired' | 'stale' {
    const now = deps.clock.now().getTime();
    if (Date.parse(row.expires_at) <= now) return 'expired';
    if (row.fingerprint !== fingerprint) return { kind: 'mismatch' };
    if (row.state === 'done') {
      return { kind: 'replay', status: row.response_status ?? 200, type: row.response_type ?? 'application/json', body: row.response_body ?? '' };
    }
    if (now - Date.parse(row.created_at) > staleAfterMs) return 'stale';
    return { kind: 'in_progress' };
  }

  return {
    /**
     * Claims `key` for a request with this fingerprint. Exactly one of any number of
     * concurrent claims wins; the others see it in progress, then replay its answer.
     */
    async claim(apiKeyId: string, key: string, fingerprint: string): Promise<Claim> {
      for (let attempt = 0; attempt < 3; attempt++) {
        const row = { api_key_id: apiKeyId, key, state: 'processing', response_status: null, response_type: null, response_body: null, ...fresh(fingerprint) };
        if (await repo.tryInsert(row)) return { kind: 'claimed' };
        const existing = await repo.find(apiKeyId, key);
        if (!existing) continue;
        const verdict = judge(existing, fingerprint);
        if (verdict === 'expired' || verdict === 'stale') {
          if (await repo.takeOver(existing, fresh(fingerprint))) return { kind: 'claimed' };
          continue;
        }
        return verdict;
      }
      return { kind: 'in_progress' };
    },

    complete: (apiKeyId: string, key: string, status: number, type: string, body: string) =>
      repo.complete(apiKeyId, key, status, type, body),

    /** Forgets a claim whose request failed on our side, so the client can retry it. */
    release: (apiKeyId: string, key: string) => repo.remove(apiKeyId, key),

    purgeExpired: () => repo.removeExpired(deps.clock.now().toISOString()),
  };
}

export type IdempotencyService = ReturnType<typeof createIdempotencyService>;
