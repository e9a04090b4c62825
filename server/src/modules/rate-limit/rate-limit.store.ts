import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

/**
 * Where fixed-window request counters live. Counters must be shared by every API process,
 * so they sit in the database (or Redis), never in one process's memory.
 */
export interface RateLimitStore {
  /** Adds one hit to `bucket` in the window starting at `windowStart` (epoch ms); returns the new count. */
  increment(bucket: string, windowStart: number, windowMs: number): Promise<number>;
}

/** One row per bucket, reset when a newer window begins; one statement, atomic on both dialects. */
export function createSqlRateLimitStore(db: Kysely<Database>): RateLimitStore {
  return {
    async increment(bucket, windowStart) {
      const row = await db
        .insertInto('rate_limits')
        .values({ bucket, window_start: windowStart, count: 1 })
        .onConflict((oc) =>
          oc.column('bucket').doUpdateSet({
            count: sql<number>`case when excluded.window_start > rate_limits.window_start then 1 else rate_limits.count + 1 end`,
            window_start: sql<number>`case when excluded.window_start > rate_limits.window_start then excluded.window_start else rate_limits.window_start end`,
          }),
        )
        .returning('count')
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },
  };
}
