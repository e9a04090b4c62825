import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('organization', () => {
  it('reads and updates name, logo, custom domain and settings', async () => {
    const { api, organizationId } = await t.newOrg({ plan: 'starter' });
    const got = await api.get('/v1/organization');
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id: organizationId, plan: 'starter', logo: null, domain: null, settings: {}, rateLimit: { requestsPerMinute: 300 } });

    const updated = await api.patch('/v1/organization', {
      name: 'Acme Research',
      logo: 'https://cdn.example.com/logo.png',
      domain: 'Interviews.Acme.com',
      settings: { senderName: 'Acme team' },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      name: 'Acme Research',
      logo: 'https://cdn.example.com/logo.png',
      domain: 'interviews.acme.com',
      settings: { senderName: 'Acme team' },
    });
    expect(Date.parse(updated.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(got.body.updatedAt));
    expect((await api.get('/v1/organization')).body.name).toBe('Acme Research');

    const cleared = await api.put('/v1/organization', { domain: null, logo: null });
    expect(cleared.body).toMatchObject({ domain: null, logo: null, name: 'Acme Research' });
  });

  it('rejects a domain with a scheme or path, a non-URL logo and an empty name, changing nothing', async () => {
    const { api } = await t.newOrg();
    const before = (await api.get('/v1/organization')).body;
    for (const body of [
      { domain: 'https://interviews.acme.com' },
      { domain: 'acme.com/interview' },
      { domain: 'localhost' },
      { logo: 'javascript:alert(1)' },
      { name: '' },
      { plan: 'enterprise' },
    ]) {
      const res = await api.patch('/v1/organization', body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
    }
    expect((await api.get('/v1/organization')).body).toEqual(before);
  });

  it('answers for the caller organization only', async () => {
    const a = await t.newOrg();
    const b = await t.newOrg();
    await a.api.patch('/v1/organization', { name: 'A only' });
    expect((await b.api.get('/v1/organization')).body.name).not.toBe('A only');
    expect((await b.api.get('/v1/organization')).body.id).toBe(b.organizationId);
  });
});
