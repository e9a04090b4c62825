import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './app.js';
import { createCampaign, createPublishedScript, createScript } from './fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('campaigns', () => {
  it('creates a campaign in the documented shape, pinned to the published script version', async () => {
    const { api } = await t.newOrg();
    const project = (await api.post('/v1/projects', { name: 'Research' })).body;
    const script = await createPublishedScript(api);
    const expiresAt = new Date(t.clock.now().getTime() + 30 * 86_400_000).toISOString();
    const res = await api.post('/v1/campaigns', {
      name: 'Q1 Customer Feedback',
      description: 'Quarterly feedback interviews with enterprise customers',
      scriptId: script.id,
      projectId: project.id,
      settings: { voice: 'alloy', language: 'en', maxDuration: 1800, requireConsent: true },
      inviteDefaults: { expiresIn: '7d', emailTemplate: 'default' },
      metadata: { quarter: 'Q1', budget: 2500, internal: true },
      expiresAt,
    });
    expect(res.status, res.raw).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^cam_/),
      name: 'Q1 Customer Feedback',
      description: 'Quarterly feedback interviews with enterprise customers',
      scriptId: script.id,
      scriptVersion: 1,
      projectId: project.id,
      status: 'active',
      settings: { voice: 'alloy', language: 'en', maxDuration: 1800, requireConsent: true },
      inviteDefaults: { expiresIn: '7d', emailTemplate: 'default' },
      metadata: { quarter: 'Q1', budget: 2500, internal: true },
      expiresAt,
      stats: {
        totalInvites: 0,
        completedSessions: 0,
        averageDuration: 0,
        invitesByStatus: { pending: 0, started: 0, completed: 0, expired: 0, cancelled: 0 },
        emails: { sent: 0, delivered: 0, opened: 0, clicked: 0, bounced: 0 },
        deliveryRate: 0,
        engagementRate: 0,
        conversionRate: 0,
        completionRate: 0,
        medianInviteToStart: null,
        medianStartToCompletion: null,
      },
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect((await api.get(`/v1/campaigns/${res.body.id}`)).body).toEqual(res.body);
  });

  it('keeps the pinned version when the script gets a new published version', async () => {
    const { api } = await t.newOrg();
    const script = await createPublishedScript(api);
    const before = await createCampaign(api, { scriptId: script.id });
    await api.patch(`/v1/scripts/${script.id}`, { systemPrompt: 'A new persona.' });
    await api.post(`/v1/scripts/${script.id}/publish`);
    const after = await createCampaign(api, { scriptId: script.id });
    expect((await api.get(`/v1/campaigns/${before.id}`)).body.scriptVersion).toBe(1);
    expect(after.scriptVersion).toBe(2);
  });

  it('refuses an unpublished, archived, missing or foreign script, and a missing project', async () => {
    const { api } = await t.newOrg();
    const other = await t.newOrg();
    const draft = await createScript(api);
    const unpublished = await api.post('/v1/campaigns', { name: 'x', scriptId: draft.id });
    expect(unpublished.status).toBe(422);
    expect(unpublished.body.error.details.fields[0].path).toBe('scriptId');

    const archived = await createPublishedScript(api);
    await api.patch(`/v1/scripts/${archived.id}`, { status: 'archived' });
    expect((await api.post('/v1/campaigns', { name: 'x', scriptId: archived.id })).status).toBe(422);

    expect((await api.post('/v1/campaigns', { name: 'x', scriptId: 'scr_missing0000000000' })).status).toBe(404);
    const foreign = await createPublishedScript(other.api);
    expect((await api.post('/v1/campaigns', { name: 'x', scriptId: foreign.id })).status).toBe(404);

    const good = await createPublishedScript(api);
    const noProject = await api.post('/v1/campaigns', { name: 'x', scriptId: good.id, projectId: 'prj_missing000000000' });
    expect(noProject.status).toBe(404);
    expect((await api.get('/v1/campaigns')).body.pagination.total).toBe(0);
  });

  it('validates fields with 400 for missing ones and 422 for bad values', async () => {
    const { api } = await t.newOrg();
    const script = await createPublishedScript(api);
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ scriptId: script.id }, 400, 'name'],
      [{ name: 'x' }, 400, 'scriptId'],
      [{ name: 'x'.repeat(101), scriptId: script.id }, 422, 'name'],
      [{ name: 'x', description: 'd'.repeat(501), scriptId: script.id }, 422, 'description'],
      [{ name: 'x', scriptId: script.id, settings: { language: 'xx' } }, 422, 'settings.language'],
      [{ name: 'x', scriptId: script.id, settings: { maxDuration: -5 } }, 422, 'settings.maxDuration'],
      [{ name: 'x', scriptId: script.id, inviteDefaults: { expiresIn: 'soon' } }, 422, 'inviteDefaults.expiresIn'],
      [{ name: 'x', scriptId: script.id, metadata: { nested: { a: 1 } } }, 422, 'metadata.nested'],
      [{ name: 'x', scriptId: script.id, expiresAt: 'tomorrow' }, 422, 'expiresAt'],
      [{ name: 'x', scriptId: script.id, expiresAt: '2001-01-01T00:00:00Z' }, 422, 'expiresAt'],
    ];
    for (const [body, status, path] of cases) {
      const res = await api.post('/v1/campaigns', body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.body.error.code).toBe(status === 400 ? 'INVALID_REQUEST' : 'VALIDATION_ERROR');
      expect(res.body.error.details.fields.map((f: { path: string }) => f.path)).toContain(path);
    }
    const tooManyKeys = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i]));
    expect((await api.post('/v1/campaigns', { name: 'x', scriptId: script.id, metadata: tooManyKeys })).status).toBe(422);
    expect((await api.get('/v1/campaigns')).body.pagination.total).toBe(0);
  });

  it('lists with status, project and search filters, sorting and pagination', async () => {
    const { api } = await t.newOrg();
    const script = await createPublishedScript(api);
    const project = (await api.post('/v1/projects', { name: 'P' })).body;
    const names = ['Bravo', 'alpha', 'Charlie 100%', 'Delta', 'Éclair'];
    const made = [];
    for (const name of names) {
      made.push(await createCampaign(api, { name, scriptId: script.id, ...(name === 'Delta' ? { projectId: project.id } : {}) }));
      t.clock.advance(1000);
    }
    await api.patch(`/v1/campaigns/${made[0].id}`, { status: 'paused' });

    const all = await api.get('/v1/campaigns');
    expect(all.body.data.map((c: { name: string }) => c.name)).toEqual(['Éclair', 'Delta', 'Charlie 100%', 'alpha', 'Bravo']);
    const byName = await api.get('/v1/campaigns?sort=name&order=asc');
    expect(byName.body.data.map((c: { name: string }) => c.name.toLowerCase()).slice(0, 4)).toEqual(['alpha', 'bravo', 'charlie 100%', 'delta']);
    // Case-insensitive search beyond ASCII, the same on SQLite and PostgreSQL.
    expect((await api.get(`/v1/campaigns?search=${encodeURIComponent('éCLAIR')}`)).body.data.map((c: { name: string }) => c.name)).toEqual(['Éclair']);
    expect((await api.get('/v1/campaigns?sort=updatedAt&order=desc')).body.data[0].name).toBe('Bravo');
    expect((await api.get('/v1/campaigns?status=paused')).body.data.map((c: { name: string }) => c.name)).toEqual(['Bravo']);
    expect((await api.get('/v1/campaigns?status=active')).body.pagination.total).toBe(4);
    expect((await api.get(`/v1/campaigns?projectId=${project.id}`)).body.data.map((c: { name: string }) => c.name)).toEqual(['Delta']);
    expect((await api.get('/v1/campaigns?search=ALPH')).body.data.map((c: { name: string }) => c.name)).toEqual(['alpha']);
    expect((await api.get('/v1/campaigns?search=0%25')).body.data.map((c: { name: string }) => c.name)).toEqual(['Charlie 100%']);
    expect((await api.get('/v1/campaigns?search=%25')).body.pagination.total).toBe(1);
    const paged = await api.get('/v1/campaigns?limit=2&offset=3');
    expect(paged.body.pagination).toEqual({ total: 5, limit: 2, offset: 3, hasMore: false });
    expect((await api.get('/v1/campaigns?limit=2')).body.pagination.hasMore).toBe(true);
    for (const q of ['status=done', 'sort=id', 'order=up', 'limit=0', 'offset=-1']) {
      const res = await api.get(`/v1/campaigns?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.error.code).toBe('INVALID_REQUEST');
    }
  });

  it('updates fields, merges settings, and moves between active, paused and archived', async () => {
    const { api } = await t.newOrg();
    const campaign = await createCampaign(api, {
      settings: { language: 'en', requireConsent: true },
      inviteDefaults: { expiresIn: '7d' },
      metadata: { team: 'growth', keep: 1 },
    });
    t.clock.advance(1000);
    const res = await api.patch(`/v1/campaigns/${campaign.id}`, {
      name: 'Renamed',
      settings: { language: 'fr', requireConsent: null, verifyEmail: true },
      inviteDefaults: { expiresIn: '2w' },
      metadata: { team: null, region: 'EU' },
    });
    expect(res.status, res.raw).toBe(200);
    expect(res.body).toMatchObject({
      name: 'Renamed',
      settings: { language: 'fr', verifyEmail: true },
      inviteDefaults: { expiresIn: '2w' },
      metadata: { keep: 1, region: 'EU' },
    });
    expect(res.body.settings).not.toHaveProperty('requireConsent');
    expect(res.body.metadata).not.toHaveProperty('team');
    expect(Date.parse(res.body.updatedAt)).toBeGreaterThan(Date.parse(campaign.updatedAt));

    for (const status of ['paused', 'active', 'archived', 'active']) {
      const moved = await api.patch(`/v1/campaigns/${campaign.id}`, { status });
      expect(moved.status).toBe(200);
      expect(moved.body.status).toBe(status);
    }
    const expiresAt = new Date(t.clock.now().getTime() + 86_400_000).toISOString();
    expect((await api.put(`/v1/campaigns/${campaign.id}`, { expiresAt })).body.expiresAt).toBe(expiresAt);
    expect((await api.patch(`/v1/campaigns/${campaign.id}`, { expiresAt: null })).body.expiresAt).toBeNull();

    const before = (await api.get(`/v1/campaigns/${campaign.id}`)).body;
    for (const body of [
      { status: 'deleted' },
      { settings: { language: 'klingon' } },
      { settings: { reminders: { max: 50 } } },
      { metadata: { deep: { x: 1 } } },
      { name: '' },
      { scriptId: 'scr_x' },
    ]) {
      const bad = await api.patch(`/v1/campaigns/${campaign.id}`, body);
      expect(bad.status, JSON.stringify(body)).toBe(422);
    }
    expect((await api.get(`/v1/campaigns/${campaign.id}`)).body).toEqual(before);
  });

  it('enforces scopes and organization boundaries', async () => {
    const owner = await t.newOrg();
    const campaign = await createCampaign(owner.api);
    const reader = await t.newOrg({ scopes: ['campaigns:read'] });
    expect((await reader.api.post('/v1/campaigns', { name: 'x', scriptId: 'scr_x' })).status).toBe(403);
    const ownReader = await owner.api.post('/v1/api-keys', { name: 'read only', scopes: ['campaigns:read'] });
    const { apiClient } = await import('./app.js');
    const readOnly = apiClient(t.app, ownReader.body.key);
    expect((await readOnly.get(`/v1/campaigns/${campaign.id}`)).status).toBe(200);
    const denied = await readOnly.patch(`/v1/campaigns/${campaign.id}`, { name: 'x' });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('INSUFFICIENT_PERMISSIONS');

    const stranger = await t.newOrg();
    expect((await stranger.api.get(`/v1/campaigns/${campaign.id}`)).status).toBe(404);
    expect((await stranger.api.patch(`/v1/campaigns/${campaign.id}`, { status: 'paused' })).status).toBe(404);
    expect((await stranger.api.get('/v1/campaigns')).body.pagination.total).toBe(0);
    expect((await owner.api.get(`/v1/campaigns/${campaign.id}`)).body.status).toBe('active');
  });
});

describe('campaign email templates', () => {
  it('refuses an unknown template, or one of the wrong kind, in inviteDefaults', async () => {
    const { api } = await t.newOrg();
    const source = { subject: 'Hi {{name}}', html: '<a href="{{inviteUrl}}">Go</a> <a href="{{unsubscribeUrl}}">Stop</a>', text: 'Go: {{inviteUrl}}' };
    const invitation = (await api.post('/v1/email-templates', { name: 'Invitation', kind: 'invite', ...source })).body;
    const reminder = (await api.post('/v1/email-templates', { name: 'Reminder', kind: 'reminder', ...source })).body;
    const script = await createPublishedScript(api);
    const create = (inviteDefaults: Record<string, unknown>) => api.post('/v1/campaigns', { name: 'x', scriptId: script.id, inviteDefaults });
    expect((await create({ emailTemplate: 'tpl_doesnotexist0000000' })).status).toBe(422);
    expect((await create({ emailTemplate: reminder.id })).status).toBe(422);
    expect((await create({ reminderTemplate: invitation.id })).status).toBe(422);
    const ok = await create({ emailTemplate: invitation.id, reminderTemplate: reminder.id });
    expect(ok.status, ok.raw).toBe(201);
    expect((await api.patch(`/v1/campaigns/${ok.body.id}`, { inviteDefaults: { reminderTemplate: invitation.id } })).status).toBe(422);
    expect((await api.patch(`/v1/campaigns/${ok.body.id}`, { inviteDefaults: { emailTemplate: 'default' } })).status).toBe(200);
    const stranger = await t.newOrg();
    const foreignScript = await createPublishedScript(stranger.api);
    const foreign = await stranger.api.post('/v1/campaigns', { name: 'x', scriptId: foreignScript.id, inviteDefaults: { emailTemplate: invitation.id } });
    expect(foreign.status).toBe(422);
  });
});
