import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisRateLimitStore } from '../src/modules/rate-limit/redis-rate-limit.store.js';
import { apiClient, createTestApp, type TestApp } from './app.js';

/** The machine's Redis (CI starts it); REDIS_URL moves rate-limit counters there. */
const redisUrl = process.env.PARLEY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { REDIS_URL: redisUrl } });
});
afterAll(() => t.close());

describe('rate limits in Redis', () => {
  it('counts per bucket and window, shared by every process that uses the same Redis', async () => {
    const a = createRedisRateLimitStore(redisUrl);
    const b = createRedisRateLimitStore(redisUrl);
    try {
      const bucket = `test:${randomBytes(6).toString('hex')}`;
      expect(await a.increment(bucket, 60_000, 60_000)).toBe(1);
      expect(await b.increment(bucket, 60_000, 60_000)).toBe(2);
      expect(await a.increment(bucket, 120_000, 60_000)).toBe(1);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('limits API keys through Redis when REDIS_URL is set', async () => {
    const sibling = await t.sibling();
    try {
      const { key } = await t.newOrg({ plan: 'free' });
      const now = t.clock.now().getTime();
      t.clock.advance(60_000 - (now % 60_000) + 10);
      for (let i = 0; i < 30; i++) {
        expect((await apiClient(t.app, key).get('/v1/organization')).status).toBe(200);
        expect((await apiClient(sibling.app, key).get('/v1/organization')).status).toBe(200);
      }
      const limited = await apiClient(sibling.app, key).get('/v1/organization');
      expect(limited.status).toBe(429);
      // Nothing was counted in the database: the counters live in Redis.
      expect(await t.db.kysely.selectFrom('rate_limits').selectAll().execute()).toHaveLength(0);
    } finally {
      await sibling.close();
    }
  });
});
