import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './app.js';
import { createCampaign, createPublishedScript } from './fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('projects', () => {
  it('creates, reads, lists, updates and deletes a project', async () => {
    const { api } = await t.newOrg();
    const created = await api.post('/v1/projects', { name: 'Onboarding research', description: 'Q1', color: '#6366f1' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Onboarding research', description: 'Q1', color: '#6366F1' });
    expect(created.body.id).toMatch(/^prj_[0-9A-Za-z]{20}$/);
    expect(Date.parse(created.body.createdAt)).not.toBeNaN();

    const got = await api.get(`/v1/projects/${created.body.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(created.body);

    await api.post('/v1/projects', { name: 'Second' });
    const list = await api.get('/v1/projects?limit=1');
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(1);
    expect(list.body.data[0].name).toBe('Second');
    expect(list.body.pagination).toEqual({ total: 2, limit: 1, offset: 0, hasMore: true });
    const second = await api.get('/v1/projects?limit=1&offset=1');
    expect(second.body.data[0].id).toBe(created.body.id);
    expect(second.body.pagination.hasMore).toBe(false);

    const updated = await api.patch(`/v1/projects/${created.body.id}`, { name: 'Renamed', color: null });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ name: 'Renamed', description: 'Q1', color: null });
    const put = await api.put(`/v1/projects/${created.body.id}`, { description: 'via PUT' });
    expect(put.body).toMatchObject({ name: 'Renamed', description: 'via PUT' });

    const deleted = await api.delete(`/v1/projects/${created.body.id}`);
    expect(deleted.status).toBe(204);
    expect((await api.get(`/v1/projects/${created.body.id}`)).status).toBe(404);
    expect((await api.delete(`/v1/projects/${created.body.id}`)).status).toBe(404);
  });

  it('unassigns, and does not delete, the campaigns and scripts of a deleted project', async () => {
    const { api } = await t.newOrg();
    const project = (await api.post('/v1/projects', { name: 'Doomed' })).body;
    const script = await createPublishedScript(api, { projectId: project.id });
    const campaign = await createCampaign(api, { scriptId: script.id, projectId: project.id });
    expect(campaign.projectId).toBe(project.id);

    expect((await api.delete(`/v1/projects/${project.id}`)).status).toBe(204);
    const c = await api.get(`/v1/campaigns/${campaign.id}`);
    expect(c.status).toBe(200);
    expect(c.body.projectId).toBeNull();
    const s = await api.get(`/v1/scripts/${script.id}`);
    expect(s.status).toBe(200);
    expect(s.body.projectId).toBeNull();
  });

  it('rejects invalid input with clear codes and changes nothing', async () => {
    const { api, key } = await t.newOrg();
    const missing = await api.post('/v1/projects', { description: 'no name' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('INVALID_REQUEST');
    expect(missing.body.error.details.fields[0].path).toBe('name');

    const long = await api.post('/v1/projects', { name: 'x'.repeat(101) });
    expect(long.status).toBe(422);
    expect(long.body.error.code).toBe('VALIDATION_ERROR');

    const color = await api.post('/v1/projects', { name: 'ok', color: 'blue' });
    expect(color.status).toBe(422);
    expect(color.body.error.details.fields[0]).toMatchObject({ path: 'color' });

    const unknownField = await api.post('/v1/projects', { name: 'ok', owner: 'me' });
    expect(unknownField.status).toBe(422);
    expect(unknownField.body.error.message).toContain('owner');

    const notAnObject = await api.post('/v1/projects', ['name']);
    expect(notAnObject.status).toBe(400);

    const malformed = await t.app.inject({
      method: 'POST',
      url: '/v1/projects',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    expect(malformed.statusCode).toBe(400);
    expect(JSON.parse(malformed.body).error.code).toBe('INVALID_REQUEST');

    const badLimit = await api.get('/v1/projects?limit=101');
    expect(badLimit.status).toBe(400);
    expect(badLimit.body.error.code).toBe('INVALID_REQUEST');

    expect((await api.get('/v1/projects')).body.pagination.total).toBe(0);
  });

  it('needs campaigns:read to read and campaigns:write to change', async () => {
    const owner = await t.newOrg();
    const project = (await owner.api.post('/v1/projects', { name: 'P' })).body;
    const reader = await t.newOrg({ scopes: ['campaigns:read'] });
    const denied = await reader.api.post('/v1/projects', { name: 'nope' });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('INSUFFICIENT_PERMISSIONS');
    expect((await reader.api.get('/v1/projects')).status).toBe(200);

    const noRead = await t.newOrg({ scopes: ['invites:read'] });
    expect((await noRead.api.get('/v1/projects')).status).toBe(403);
    expect((await noRead.api.get(`/v1/projects/${project.id}`)).status).toBe(403);
  });

  it("answers 404 for another organization's project, on every route", async () => {
    const a = await t.newOrg();
    const b = await t.newOrg();
    const project = (await a.api.post('/v1/projects', { name: 'Private' })).body;
    expect((await b.api.get(`/v1/projects/${project.id}`)).status).toBe(404);
    expect((await b.api.patch(`/v1/projects/${project.id}`, { name: 'hijack' })).status).toBe(404);
    expect((await b.api.delete(`/v1/projects/${project.id}`)).status).toBe(404);
    expect((await b.api.get('/v1/projects')).body.data).toHaveLength(0);
    expect((await a.api.get(`/v1/projects/${project.id}`)).body.name).toBe('Private');
    const res = await b.api.get(`/v1/projects/${project.id}`);
    expect(res.body.error.code).toBe('RESOURCE_NOT_FOUND');
  });
});
