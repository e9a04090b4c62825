import type { Clock } from '../../core/clock.js';
import type { Db } from '../../db/database.js';
import type { WebhookReceipts } from './providers/provider.js';

/** Replay protection for webhooks, as rows: every API process sees what any of them received. */
export function createWebhookReceipts(deps: { db: Db; clock: Clock }): WebhookReceipts & { purgeExpired(): Promise<number> } {
  const db = deps.db.kysely;
  return {
    async claim(provider, token, keepUntil) {
      const inserted = await db
        .insertInto('webhook_receipts')
        .values({ provider, token, expires_at: keepUntil.toISOString() })
        .onConflict((oc) => oc.columns(['provider', 'token']).doNothing())
        .returning('token')
        .executeTakeFirst();
      return inserted !== undefined;
    },
    async release(provider, token) {
      await db.deleteFrom('webhook_receipts').where('provider', '=', provider).where('token', '=', token).execute();
    },
    async purgeExpired() {
      const result = await db.deleteFrom('webhook_receipts').where('expires_at', '<', deps.clock.now().toISOString()).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
