import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../src/core/crypto.js';
import { apiClient, createTestApp, type TestApp } from './app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('API key authentication', () => {
  it('answers 401 INVALID_API_KEY for a missing, malformed, unknown or revoked key', async () => {
    const anonymous = apiClient(t.app);
    const missing = await anonymous.get('/v1/campaigns');
    expect(missing.status).toBe(401);
    expect(missing.body.error.code).toBe('INVALID_API_KEY');

    const basic = await anonymous.get('/v1/campaigns', { authorization: 'Basic Zm9vOmJhcg==' });
    expect(basic.status).toBe(401);

    const unknown = await apiClient(t.app, `prl_${'A'.repeat(43)}`).get('/v1/campaigns');
    expect(unknown.status).toBe(401);
    expect(unknown.body.error.code).toBe('INVALID_API_KEY');

    const { api, key } = await t.newOrg();
    const second = await api.post('/v1/api-keys', { name: 'to revoke' });
    expect(second.status).toBe(201);
    const secondApi = apiClient(t.app, second.body.key);
    expect((await secondApi.get('/v1/organization')).status).toBe(200);
    expect((await api.delete(`/v1/api-keys/${second.body.id}`)).status).toBe(204);
    const revoked = await secondApi.get('/v1/organization');
    expect(revoked.status).toBe(401);
    expect(revoked.body.error.code).toBe('INVALID_API_KEY');
    // The key that revoked it still works.
    expect((await apiClient(t.app, key).get('/v1/organization')).status).toBe(200);
  });

  it('keys carry 256 random bits behind a visible prefix, and only their hash is stored', async () => {
    const { api, organizationId } = await t.newOrg();
    const created = await api.post('/v1/api-keys', { name: 'CI', scopes: ['campaigns:read'] });
    expect(created.status).toBe(201);
    const key: string = created.body.key;
    expect(key).toMatch(/^prl_[0-9A-Za-z]{43}$/); // 43 base62 characters ≈ 256 bits
    expect(key.startsWith(created.body.prefix)).toBe(true);
    expect(created.body.scopes).toEqual(['campaigns:read']);

    const rows = await t.db.kysely.selectFrom('api_keys').selectAll().where('organization_id', '=', organizationId).execute();
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(key);
    expect(dump).not.toContain(key.slice(12));
    expect(rows.some((r) => r.key_hash === sha256Hex(key))).toBe(true);

    const list = await api.get('/v1/api-keys');
    expect(list.status).toBe(200);
    expect(list.body.pagination.total).toBe(2);
    expect(JSON.stringify(list.body)).not.toContain(key);
    expect(list.body.data[0]).not.toHaveProperty('key');
  });

  it('answers 403 INSUFFICIENT_PERMISSIONS when the key lacks the route scope', async () => {
    const { api } = await t.newOrg({ scopes: ['campaigns:read'] });
    const res = await api.patch('/v1/organization', { name: 'x' });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'INSUFFICIENT_PERMISSIONS', details: { required: 'organization:write' } });
    expect((await api.get('/v1/organization')).status).toBe(403);
    expect((await api.get('/v1/api-keys')).status).toBe(403);
  });

  it('never lets a key grant a permission it does not hold', async () => {
    const { api } = await t.newOrg({ scopes: ['organization:write', 'organization:read', 'campaigns:read'] });
    const escalate = await api.post('/v1/api-keys', { name: 'x', scopes: ['campaigns:write'] });
    expect(escalate.status).toBe(403);
    expect(escalate.body.error.details.missing).toEqual(['campaigns:write']);
    const byDefault = await api.post('/v1/api-keys', { name: 'inherits' });
    expect(byDefault.status).toBe(201);
    expect([...byDefault.body.scopes].sort()).toEqual(['campaigns:read', 'organization:read', 'organization:write']);
    const bad = await api.post('/v1/api-keys', { name: 'x', scopes: ['everything'] });
    expect(bad.status).toBe(422);
    expect((await api.get('/v1/api-keys')).body.pagination.total).toBe(2);
  });

  it("cannot see or revoke another organization's keys", async () => {
    const a = await t.newOrg();
    const b = await t.newOrg();
    const keyA = (await a.api.get('/v1/api-keys')).body.data[0];
    expect((await b.api.delete(`/v1/api-keys/${keyA.id}`)).status).toBe(404);
    expect((await a.api.get('/v1/organization')).status).toBe(200);
    expect((await b.api.get('/v1/api-keys')).body.data.map((k: { id: string }) => k.id)).not.toContain(keyA.id);
  });
});
