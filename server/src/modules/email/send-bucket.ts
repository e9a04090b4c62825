import type { Clock } from '../../core/clock.js';
import type { Db } from '../../db/database.js';

/**
 * A token bucket per transport, kept in the database so every worker process draws from the
 * same one: at most `ratePerSecond` messages a second (bursts up to one second's worth). When
 * the server answers "slow down", the rate drops to a quarter for a while. A rate of 0 lifts
 * the limit.
 */
export function createSendBucket(deps: { db: Db; clock: Clock; ratePerSecond: number; name?: string }) {
  const name = deps.name ?? 'smtp';
  const capacity = Math.max(1, deps.ratePerSecond);

  return {
    /** Whether a rate applies at all (0 lifts it). */
    limited: deps.ratePerSecond > 0,

    /** Takes one token; returns 0, or how many milliseconds to wait before trying again. */
    async take(): Promise<number> {
      if (deps.ratePerSecond <= 0) return 0;
      return deps.db.kysely.transaction().execute(async (trx) => {
        const now = deps.clock.now().getTime();
        let query = trx.selectFrom('send_buckets').selectAll().where('name', '=', name);
        if (deps.db.dialect === 'postgres') query = query.forUpdate();
        const row = await query.executeTakeFirst();
        const rate = row && row.slow_until > now ? deps.ratePerSecond / 4 : deps.ratePerSecond;
        const tokens = row ? Math.min(capacity, Number(row.tokens) + ((now - Number(row.refilled_at)) / 1000) * rate) : capacity;
        const take = tokens >= 1;
        const left = take ? tokens - 1 : tokens;
        await trx
          .insertInto('send_buckets')
          .values({ name, tokens: left, refilled_at: now, slow_until: row ? Number(row.slow_until) : 0 })
          .onConflict((oc) => oc.column('name').doUpdateSet({ tokens: left, refilled_at: now }))
          .execute();
        return take ? 0 : Math.ceil(((1 - tokens) / rate) * 1000);
      });
    },

    /** The server asked us to slow down: a quarter of the rate for `ms`. */
    async slowDown(ms: number): Promise<void> {
      const until = deps.clock.now().getTime() + ms;
      await deps.db.kysely
        .insertInto('send_buckets')
        .values({ name, tokens: 0, refilled_at: deps.clock.now().getTime(), slow_until: until })
        .onConflict((oc) => oc.column('name').doUpdateSet({ slow_until: until }))
        .execute();
    },
  };
}

export type SendBucket = ReturnType<typeof createSendBucket>;
