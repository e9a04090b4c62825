import { Redis } from 'ioredis';
import type { RateLimitStore } from './rate-limit.store.js';

/** Counters in Redis when REDIS_URL is set: one key per bucket and window, expiring on its own. */
export function createRedisRateLimitStore(url: string): RateLimitStore & { close(): Promise<void> } {
  const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2, enableOfflineQueue: true });
  return {
    async increment(bucket, windowStart, windowMs) {
      const key = `parley:rl:${bucket}:${windowStart}`;
      const result = await redis.multi().incr(key).pexpire(key, windowMs * 2).exec();
      const [err, count] = result?.[0] ?? [new Error('no reply from Redis'), 0];
      if (err) throw err;
      return Number(count);
    },
    async close() {
      await redis.quit();
    },
  };
}
