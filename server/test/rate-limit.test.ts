import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, createTestApp, type TestApp } from './app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('rate limits', () => {
  it('allows the plan limit per key per minute, then answers 429 with Retry-After', async () => {
    const { api } = await t.newOrg({ plan: 'free' });
    // Start at the beginning of a window so the minute cannot roll over mid-test.
    const now = t.clock.now().getTime();
    t.clock.advance(60_000 - (now % 60_000) + 10);
    let last;
    for (let i = 1; i <= 60; i++) {
      last = await api.get('/v1/organization');
      expect(last.status).toBe(200);
      expect(Number(last.headers['x-ratelimit-limit'])).toBe(60);
      expect(Number(last.headers['x-ratelimit-remaining'])).toBe(60 - i);
    }
    const reset = Number(last!.headers['x-ratelimit-reset']);
    expect(reset * 1000).toBeGreaterThan(t.clock.now().getTime());
    expect(reset * 1000 - t.clock.now().getTime()).toBeLessThanOrEqual(60_000);

    const limited = await api.get('/v1/organization');
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect(limited.body.error.retryAfter).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBe(limited.body.error.retryAfter);
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');

    // The next window starts afresh.
    t.clock.advance(limited.body.error.retryAfter * 1000);
    const again = await api.get('/v1/organization');
    expect(again.status).toBe(200);
    expect(Number(again.headers['x-ratelimit-remaining'])).toBe(59);
  });

  it('counts per key, with the limit of the organization plan', async () => {
    const starter = await t.newOrg({ plan: 'starter' });
    const enterprise = await t.newOrg({ plan: 'enterprise', rateLimit: 2500 });
    expect((await starter.api.get('/v1/organization')).headers['x-ratelimit-limit']).toBe('300');
    expect((await enterprise.api.get('/v1/organization')).headers['x-ratelimit-limit']).toBe('2500');
    const defaultEnterprise = await t.newOrg({ plan: 'enterprise' });
    expect((await defaultEnterprise.api.get('/v1/organization')).headers['x-ratelimit-limit']).toBe('10000');

    const free = await t.newOrg({ plan: 'free' });
    const other = await free.api.post('/v1/api-keys', { name: 'second' });
    const first = await free.api.get('/v1/organization');
    const secondKey = await apiClient(t.app, other.body.key).get('/v1/organization');
    // Each key has its own counter.
    expect(Number(secondKey.headers['x-ratelimit-remaining'])).toBeGreaterThan(Number(first.headers['x-ratelimit-remaining']) - 1);
    expect(Number(secondKey.headers['x-ratelimit-remaining'])).toBe(59);
  });

  it('shares counters between API processes on the same database', async () => {
    const sibling = await t.sibling();
    try {
      const { key } = await t.newOrg({ plan: 'free' });
      const now = t.clock.now().getTime();
      t.clock.advance(60_000 - (now % 60_000) + 10);
      const a = apiClient(t.app, key);
      const b = apiClient(sibling.app, key);
      for (let i = 0; i < 30; i++) {
        expect((await a.get('/v1/organization')).status).toBe(200);
        expect((await b.get('/v1/organization')).status).toBe(200);
      }
      expect((await a.get('/v1/organization')).status).toBe(429);
      expect((await b.get('/v1/organization')).status).toBe(429);
    } finally {
      await sibling.close();
    }
  });

  it('puts rate-limit headers on error answers too', async () => {
    const { api } = await t.newOrg();
    const res = await api.get('/v1/projects/prj_doesnotexist00000');
    expect(res.status).toBe(404);
    expect(res.headers['x-ratelimit-limit']).toBe('1000');
    expect(res.headers['x-ratelimit-remaining']).toBeDefined();
  });
});
