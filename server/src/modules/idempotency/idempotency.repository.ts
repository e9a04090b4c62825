import type { Kysely, Selectable } from 'kysely';
import type { Database, IdempotencyKeyTable } from '../../db/schema.js';

export type IdempotencyRow = Selectable<IdempotencyKeyTable>;

export function createIdempotencyRepository(db: Kysely<Database>) {
  return {
    /** Inserts a `processing` row; false when the key already exists. */
    async tryInsert(row: IdempotencyRow): Promise<boolean> {
      const inserted = await db
        .insertInto('idempotency_keys')
        .values(row)
        .onConflict((oc) => oc.columns(['api_key_id', 'key']).doNothing())
        .returning('key')
        .executeTakeFirst();
      return inserted !== undefined;
    },
    async find(apiKeyId: string, key: string): Promise<IdempotencyRow | undefined> {
      return db
        .selectFrom('idempotency_keys')
        .selectAll()
        .where('api_key_id', '=', apiKeyId)
        .where('key', '=', key)
        .executeTakeFirst();
    },
    /** Takes over a row only if it is still exactly as last seen (compare-and-set). */
    async takeOver(old: IdempotencyRow, next: Pick<IdempotencyRow, 'fingerprint' | 'created_at' | 'expires_at'>): Promise<boolean> {
      const result = await db
        .updateTable('idempotency_keys')
        .set({ ...next, state: 'processing', response_status: null, response_type: null, response_body: null })
        .where('api_key_id', '=', old.api_key_id)
        .where('key', '=', old.key)
        .where('created_at', '=', old.created_at)
        .where('state', '=', old.state)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async complete(apiKeyId: string, key: string, status: number, type: string, body: string): Promise<void> {
      await db
        .updateTable('idempotency_keys')
        .set({ state: 'done', response_status: status, response_type: type, response_body: body })
        .where('api_key_id', '=', apiKeyId)
        .where('key', '=', key)
        .execute();
    },
    async remove(apiKeyId: string, key: string): Promise<void> {
      await db.deleteFrom('idempotency_keys').where('api_key_id', '=', apiKeyId).where('key', '=', key).execute();
    },
    async removeExpired(now: string): Promise<number> {
      const result = await db.deleteFrom('idempotency_keys').where('expires_at', '<', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
