import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const countProjects = async (api: Awaited<ReturnType<TestApp['newOrg']>>['api']) =>
  (await api.get('/v1/projects')).body.pagination.total as number;

describe('Idempotency-Key', () => {
  it('replays the first answer to a repeat, marked as a replay, without a second resource', async () => {
    const { api } = await t.newOrg();
    const headers = { 'idempotency-key': 'create-project-1' };
    const first = await api.post('/v1/projects', { name: 'Once' }, headers);
    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const second = await api.post('/v1/projects', { name: 'Once' }, headers);
    expect(second.status).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(await countProjects(api)).toBe(1);
  });

  it('treats a body with the same content in another key order as the same request', async () => {
    const { api } = await t.newOrg();
    const headers = { 'idempotency-key': 'order' };
    const first = await api.post('/v1/projects', { name: 'A', description: 'B' }, headers);
    const second = await api.post('/v1/projects', { description: 'B', name: 'A' }, headers);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body.id).toBe(first.body.id);
  });

  it('refuses the same key with a different body with 422, creating nothing', async () => {
    const { api } = await t.newOrg();
    const headers = { 'idempotency-key': 'k-1' };
    await api.post('/v1/projects', { name: 'First' }, headers);
    const other = await api.post('/v1/projects', { name: 'Second' }, headers);
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('VALIDATION_ERROR');
    expect(other.body.error.details.reason).toBe('idempotency_key_reused');
    const otherPath = await api.post('/v1/scripts', { name: 'First' }, headers);
    expect(otherPath.status).toBe(422);
    expect(await countProjects(api)).toBe(1);
  });

  it('never creates a second resource for concurrent duplicates', async () => {
    const { api } = await t.newOrg();
    const headers = { 'idempotency-key': 'burst' };
    const answers = await Promise.all(Array.from({ length: 10 }, () => api.post('/v1/projects', { name: 'Burst' }, headers)));
    expect(answers.every((a) => a.status === 201)).toBe(true);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(answers.filter((a) => a.headers['idempotent-replayed'] === 'true')).toHaveLength(9);
    expect(await countProjects(api)).toBe(1);
  });

  it('keeps keys 24 hours, per API key', async () => {
    const a = await t.newOrg();
    const b = await t.newOrg();
    const headers = { 'idempotency-key': 'shared-name' };
    const first = await a.api.post('/v1/projects', { name: 'P' }, headers);
    const otherKey = await b.api.post('/v1/projects', { name: 'P' }, headers);
    expect(otherKey.headers['idempotent-replayed']).toBeUndefined();
    expect(otherKey.body.id).not.toBe(first.body.id);

    t.clock.advance(23 * 3_600_000);
    expect((await a.api.post('/v1/projects', { name: 'P' }, headers)).headers['idempotent-replayed']).toBe('true');
    t.clock.advance(2 * 3_600_000);
    const after = await a.api.post('/v1/projects', { name: 'P' }, headers);
    expect(after.headers['idempotent-replayed']).toBeUndefined();
    expect(after.body.id).not.toBe(first.body.id);
    expect(await countProjects(a.api)).toBe(2);
  });

  it('replays validation errors too, and rejects a malformed key', async () => {
    const { api } = await t.newOrg();
    const headers = { 'idempotency-key': 'bad-body' };
    const first = await api.post('/v1/projects', { name: '' }, headers);
    expect(first.status).toBe(422);
    const again = await api.post('/v1/projects', { name: '' }, headers);
    expect(again.status).toBe(422);
    expect(again.headers['idempotent-replayed']).toBe('true');

    const tooLong = await api.post('/v1/projects', { name: 'x' }, { 'idempotency-key': 'k'.repeat(256) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.code).toBe('INVALID_REQUEST');
    expect(await countProjects(api)).toBe(0);
  });

  it('purges expired keys in the housekeeping job', async () => {
    const { api } = await t.newOrg();
    await api.post('/v1/projects', { name: 'P' }, { 'idempotency-key': 'purge-me' });
    const count = async () => Number((await t.db.kysely.selectFrom('idempotency_keys').select((eb) => eb.fn.countAll().as('n')).where('key', '=', 'purge-me').executeTakeFirstOrThrow()).n);
    expect(await count()).toBe(1);
    t.clock.advance(25 * 3_600_000);
    await t.services.idempotency.purgeExpired();
    expect(await count()).toBe(0);
  });
});
