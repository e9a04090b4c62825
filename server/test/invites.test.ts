import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, createTestApp, testPublicUrl, type Api, type TestApp } from './app.js';
import { createCampaign } from './fixtures.js';
import pino from 'pino';
import { createWorker } from '../src/jobs/worker.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const day = 86_400_000;
const inDays = (n: number) => new Date(t.clock.now().getTime() + n * day).toISOString();

async function setup(campaignOverrides: Record<string, unknown> = {}) {
  const org = await t.newOrg();
  const campaign = await createCampaign(org.api, campaignOverrides);
  return { ...org, campaign };
}

async function invite(api: Api, campaignId: string, body: Record<string, unknown> = {}) {
  const res = await api.post(`/v1/campaigns/${campaignId}/invites`, { email: `p${Math.random().toString(36).slice(2, 10)}@example.com`, ...body });
  expect(res.status, res.raw).toBe(201);
  return res.body;
}

describe('creating invites', () => {
  it('answers the documented shape with a 256-bit token in a PUBLIC_URL link', async () => {
    const { api, campaign } = await setup();
    const res = await api.post(`/v1/campaigns/${campaign.id}/invites`, {
      email: 'Participant@Example.com',
      name: 'Jane Doe',
      expiresIn: '7d',
      metadata: { userId: '12345', segment: 'enterprise' },
    });
    expect(res.status).toBe(201);
    const inv = res.body;
    expect(inv).toMatchObject({
      campaignId: campaign.id,
      email: 'Participant@Example.com',
      name: 'Jane Doe',
      status: 'pending',
      emailStatus: 'not_sent',
      metadata: { userId: '12345', segment: 'enterprise' },
      sendCount: 0,
    });
    expect(inv.id).toMatch(/^inv_/);
    expect(inv.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(inv.inviteUrl).toBe(`${testPublicUrl}/interview/${inv.token}`);
    expect(Date.parse(inv.expiresAt) - Date.parse(inv.createdAt)).toBe(7 * day);
    expect((await api.get(`/v1/invites/${inv.id}`)).body).toEqual(inv);
  });

  it("uses the organization's custom domain for links", async () => {
    const { api, campaign } = await setup();
    await api.patch('/v1/organization', { domain: 'interviews.acme.com' });
    const inv = await invite(api, campaign.id);
    expect(inv.inviteUrl).toBe(`https://interviews.acme.com/interview/${inv.token}`);
  });

  it('lets expiresAt win over expiresIn, which wins over the campaign default, which defaults to 7 days', async () => {
    const { api, campaign } = await setup({ inviteDefaults: { expiresIn: '2w' } });
    const at = inDays(3);
    const exact = await invite(api, campaign.id, { expiresAt: at, expiresIn: '30m' });
    expect(exact.expiresAt).toBe(at);
    const relative = await invite(api, campaign.id, { expiresIn: '24h' });
    expect(Date.parse(relative.expiresAt) - Date.parse(relative.createdAt)).toBe(day);
    const byCampaign = await invite(api, campaign.id);
    expect(Date.parse(byCampaign.expiresAt) - Date.parse(byCampaign.createdAt)).toBe(14 * day);
    const never = await invite(api, campaign.id, { expiresIn: 'never' });
    expect(never.expiresAt).toBeNull();
    const plain = await setup();
    const fallback = await invite(plain.api, plain.campaign.id);
    expect(Date.parse(fallback.expiresAt) - Date.parse(fallback.createdAt)).toBe(7 * day);
  });

  it('takes the campaign expiry when it comes first', async () => {
    const campaignEnd = inDays(2);
    const { api, campaign } = await setup({ expiresAt: campaignEnd });
    const inv = await invite(api, campaign.id, { expiresIn: '30d' });
    expect(inv.expiresAt).toBe(campaignEnd);
    const never = await invite(api, campaign.id, { expiresIn: 'never' });
    expect(never.expiresAt).toBe(campaignEnd);
  });

  it('creates links without email when sendEmail is false, and refuses a missing email otherwise', async () => {
    const { api, campaign } = await setup();
    const linkOnly = await api.post(`/v1/campaigns/${campaign.id}/invites`, { sendEmail: false, name: 'Walk-in' });
    expect(linkOnly.status).toBe(201);
    expect(linkOnly.body).toMatchObject({ email: null, emailStatus: 'not_requested', name: 'Walk-in' });
    const withEmail = await invite(api, campaign.id, { sendEmail: false });
    expect(withEmail.emailStatus).toBe('not_requested');

    const missing = await api.post(`/v1/campaigns/${campaign.id}/invites`, { name: 'No address' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('INVALID_REQUEST');
    expect(missing.body.error.details.fields[0].path).toBe('email');
  });

  it('rejects bad input with 422 and creates nothing', async () => {
    const { api, campaign } = await setup();
    const bad = [
      { email: 'not-an-email' },
      { email: 'a@b' },
      { email: 'x@example.com', expiresIn: '3 days' },
      { email: 'x@example.com', expiresAt: '2001-01-01T00:00:00Z' },
      { email: 'x@example.com', metadata: { nested: { no: true } } },
      { email: 'x@example.com', metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])) },
      { email: 'x@example.com', metadata: { big: 'x'.repeat(2001) } },
      { email: 'x@example.com', name: 'n'.repeat(201) },
      { email: 'x@example.com', token: 'chosen-by-me' },
    ];
    for (const body of bad) {
      const res = await api.post(`/v1/campaigns/${campaign.id}/invites`, body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(422);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
    }
    expect((await api.get(`/v1/campaigns/${campaign.id}/invites`)).body.pagination.total).toBe(0);
  });

  it('refuses a second open invite for the same address, but not after cancelling', async () => {
    const { api, campaign } = await setup();
    const first = await invite(api, campaign.id, { email: 'dup@example.com' });
    const again = await api.post(`/v1/campaigns/${campaign.id}/invites`, { email: 'DUP@example.com' });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'RESOURCE_CONFLICT', details: { existingInviteId: first.id } });
    await api.post(`/v1/invites/${first.id}/cancel`);
    const fresh = await invite(api, campaign.id, { email: 'dup@example.com' });
    expect(fresh.token).not.toBe(first.token);
    expect((await api.get(`/v1/invites/${first.id}`)).body.status).toBe('cancelled');
  });

  it('refuses invites on a paused, archived or expired campaign with CAMPAIGN_NOT_ACTIVE', async () => {
    const { api, campaign } = await setup({ expiresAt: inDays(1) });
    for (const status of ['paused', 'archived']) {
      await api.patch(`/v1/campaigns/${campaign.id}`, { status });
      const res = await api.post(`/v1/campaigns/${campaign.id}/invites`, { email: 'a@example.com' });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('CAMPAIGN_NOT_ACTIVE');
    }
    await api.patch(`/v1/campaigns/${campaign.id}`, { status: 'active' });
    expect((await api.post(`/v1/campaigns/${campaign.id}/invites`, { email: 'a@example.com' })).status).toBe(201);
    t.clock.advance(day + 1000);
    const expired = await api.post(`/v1/campaigns/${campaign.id}/invites`, { email: 'b@example.com' });
    expect(expired.status).toBe(409);
    expect(expired.body.error.code).toBe('CAMPAIGN_NOT_ACTIVE');
    expect((await api.get(`/v1/campaigns/${campaign.id}/invites`)).body.pagination.total).toBe(1);
  });
});

describe('bulk creation', () => {
  it('creates up to 500 at once with shared options', async () => {
    const { api, campaign } = await setup();
    const invites = Array.from({ length: 500 }, (_, i) => ({ email: `user${i}@example.com`, name: `User ${i}`, metadata: { n: i } }));
    const res = await api.post(`/v1/campaigns/${campaign.id}/invites/bulk`, { invites, sendEmail: false, expiresIn: '24h' });
    expect(res.status, res.raw.slice(0, 300)).toBe(201);
    expect(res.body.count).toBe(500);
    expect(new Set(res.body.data.map((i: { token: string }) => i.token)).size).toBe(500);
    expect(res.body.data[499]).toMatchObject({ email: 'user499@example.com', emailStatus: 'not_requested', metadata: { n: 499 } });
    expect(Date.parse(res.body.data[0].expiresAt) - Date.parse(res.body.data[0].createdAt)).toBe(day);
    expect((await api.get(`/v1/campaigns/${campaign.id}`)).body.stats.totalInvites).toBe(500);
    const tooMany = await api.post(`/v1/campaigns/${campaign.id}/invites/bulk`, { invites: [...invites, { email: 'x@example.com' }] });
    expect(tooMany.status).toBe(422);
  });

  it('is all or nothing, naming every bad item', async () => {
    const { api, campaign } = await setup();
    await invite(api, campaign.id, { email: 'taken@example.com' });
    const res = await api.post(`/v1/campaigns/${campaign.id}/invites/bulk`, {
      invites: [
        { email: 'ok@example.com' },
        { email: 'taken@example.com' },
        { email: 'twice@example.com' },
        { email: 'TWICE@example.com' },
      ],
    });
    expect(res.status).toBe(422);
    expect(res.body.error.details.fields.map((f: { path: string }) => f.path)).toEqual(['invites.1.email', 'invites.3.email']);
    const malformed = await api.post(`/v1/campaigns/${campaign.id}/invites/bulk`, {
      invites: [{ email: 'fine@example.com' }, { email: 'broken' }, { email: 'x@example.com', metadata: { a: [1] } }],
    });
    expect(malformed.status).toBe(422);
    expect(malformed.body.error.details.fields.map((f: { path: string }) => f.path)).toEqual(['invites.1.email', 'invites.2.metadata.a']);
    expect((await api.get(`/v1/campaigns/${campaign.id}/invites`)).body.pagination.total).toBe(1);
  });
});

describe('listing invites', () => {
  it('filters by status, email and metadata, with exact totals', async () => {
    const { api, campaign } = await setup();
    const a = await invite(api, campaign.id, { email: 'Alice@Example.com', metadata: { segment: 'enterprise', seats: 50, trial: false } });
    const b = await invite(api, campaign.id, { email: 'bob@example.com', metadata: { segment: 'trial', seats: 5, trial: true } });
    const c = await invite(api, campaign.id, { email: 'carol@example.com', metadata: { segment: 'enterprise' }, expiresIn: '30m' });
    await api.post(`/v1/invites/${b.id}/cancel`);

    const ids = (res: { body: { data: Array<{ id: string }> } }) => res.body.data.map((i) => i.id).sort();
    expect((await api.get(`/v1/campaigns/${campaign.id}/invites`)).body.pagination.total).toBe(3);
    expect(ids(await api.get(`/v1/campaigns/${campaign.id}/invites?status=pending`))).toEqual([a.id, c.id].sort());
    expect(ids(await api.get(`/v1/campaigns/${campaign.id}/invites?status=cancelled`))).toEqual([b.id]);
    expect(ids(await api.get(`/v1/campaigns/${campaign.id}/invites?email=alice@example.com`))).toEqual([a.id]);
    expect(ids(await api.get(`/v1/campaigns/${campaign.id}/invites?metadata[segment]=enterprise`))).toEqual([a.id, c.id].sort());
    expect(ids(await api.get(`/v1/campaigns/${campaign.id}/invites?metadata[seats]=5`))).toEqual([b.id]);
    expect(ids(await api.get(`/v1/campaigns/${campaign.id}/invites?metadata[trial]=true`))).toEqual([b.id]);
    const both = await api.get(`/v1/campaigns/${campaign.id}/invites?metadata[segment]=enterprise&status=pending&limit=1`);
    expect(both.body.pagination).toEqual({ total: 2, limit: 1, offset: 0, hasMore: true });

    // Time passes: the 30-minute invite reads expired before any sweep.
    t.clock.advance(31 * 60_000);
    expect(ids(await api.get(`/v1/campaigns/${campaign.id}/invites?status=pending`))).toEqual([a.id]);
    expect(ids(await api.get(`/v1/campaigns/${campaign.id}/invites?status=expired`))).toEqual([c.id]);
    expect((await api.get(`/v1/campaigns/${campaign.id}/invites?status=pending`)).body.pagination.total).toBe(1);
    expect((await api.get(`/v1/invites/${c.id}`)).body.status).toBe('expired');

    for (const q of ['status=open', 'limit=500', 'colour=red', 'metadata[bad key]=x']) {
      const res = await api.get(`/v1/campaigns/${campaign.id}/invites?${q}`);
      expect(res.status, q).toBe(400);
    }
  });
});

describe('campaign stats', () => {
  it('counts invites per status exactly, before and after the expiry sweep', async () => {
    const { api, campaign } = await setup();
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await invite(api, campaign.id, { expiresIn: i < 2 ? '30m' : '7d' }));
    await api.post(`/v1/invites/${made[4].id}/cancel`);
    await t.services.inviteLifecycle.recordStart(made[3].id);
    const stats = async () => (await api.get(`/v1/campaigns/${campaign.id}`)).body.stats;
    expect(await stats()).toMatchObject({ totalInvites: 5, invitesByStatus: { pending: 3, started: 1, completed: 0, expired: 0, cancelled: 1 } });
    t.clock.advance(31 * 60_000);
    expect((await stats()).invitesByStatus).toEqual({ pending: 1, started: 1, completed: 0, expired: 2, cancelled: 1 });
    expect(await t.services.inviteLifecycle.sweepExpired()).toBeGreaterThanOrEqual(2);
    expect((await stats()).invitesByStatus).toEqual({ pending: 1, started: 1, completed: 0, expired: 2, cancelled: 1 });
    await t.services.inviteLifecycle.recordCompletion(made[3].id);
    expect(await stats()).toMatchObject({ totalInvites: 5, completedSessions: 1, invitesByStatus: { started: 0, completed: 1 } });
    const listed = await api.get('/v1/campaigns');
    expect(listed.body.data.find((c: { id: string }) => c.id === campaign.id).stats.invitesByStatus.expired).toBe(2);
  });

  it('moves every open invite to expired when the campaign itself expires', async () => {
    const { api, campaign } = await setup({ expiresAt: inDays(1) });
    const open = await invite(api, campaign.id, { expiresIn: 'never' });
    const started = await invite(api, campaign.id);
    await t.services.inviteLifecycle.recordStart(started.id);
    t.clock.advance(day + 1);
    const stats = (await api.get(`/v1/campaigns/${campaign.id}`)).body.stats;
    expect(stats.invitesByStatus).toMatchObject({ pending: 0, started: 0, expired: 2 });
    expect((await api.get(`/v1/invites/${open.id}`)).body.status).toBe('expired');
    expect((await api.get(`/v1/campaigns/${campaign.id}/invites?status=expired`)).body.pagination.total).toBe(2);
    await t.services.inviteLifecycle.sweepExpired();
    expect((await api.get(`/v1/campaigns/${campaign.id}`)).body.stats.invitesByStatus).toMatchObject({ pending: 0, started: 0, expired: 2 });
  });
});

describe('the expiry job', () => {
  it('stores expired on lapsed invites when the worker runs', async () => {
    const { api, campaign } = await setup();
    const soon = await invite(api, campaign.id, { expiresIn: '30m' });
    const later = await invite(api, campaign.id, { expiresIn: '7d' });
    t.clock.advance(31 * 60_000);
    const worker = createWorker({ queue: t.services.queue, definitions: t.services.jobs, logger: pino({ level: 'silent' }) });
    await worker.start();
    await worker.stop();
    const stored = await t.db.kysely.selectFrom('invites').select(['id', 'status']).where('campaign_id', '=', campaign.id).execute();
    expect(Object.fromEntries(stored.map((r) => [r.id, r.status]))).toEqual({ [soon.id]: 'expired', [later.id]: 'pending' });
    const counters = await t.db.kysely.selectFrom('invite_counters').selectAll().where('campaign_id', '=', campaign.id).execute();
    expect(Object.fromEntries(counters.map((c) => [c.status, Number(c.count)]))).toMatchObject({ pending: 1, expired: 1 });
  });
});

describe('participant transitions', () => {
  it('starts an invite exactly once under concurrent starts, then completes it', async () => {
    const { api, campaign } = await setup();
    const inv = await invite(api, campaign.id);
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => t.services.inviteLifecycle.recordStart(inv.id)));
    const won = results.filter((r) => r.status === 'fulfilled' && r.value === true);
    expect(won).toHaveLength(1);
    const got = (await api.get(`/v1/invites/${inv.id}`)).body;
    expect(got.status).toBe('started');
    expect(got.startedAt).not.toBeNull();
    expect((await api.get(`/v1/campaigns/${campaign.id}`)).body.stats.invitesByStatus).toMatchObject({ pending: 0, started: 1 });
    await t.services.inviteLifecycle.recordCompletion(inv.id);
    expect((await api.get(`/v1/invites/${inv.id}`)).body.status).toBe('completed');
    await expect(t.services.inviteLifecycle.recordCompletion(inv.id)).rejects.toMatchObject({ code: 'INVALID_STATE_TRANSITION' });
    await expect(t.services.inviteLifecycle.recordStart(inv.id)).rejects.toMatchObject({ code: 'INVALID_STATE_TRANSITION' });
  });

  it('cannot start an expired or cancelled invite, nor complete a pending one', async () => {
    const { api, campaign } = await setup();
    const expiring = await invite(api, campaign.id, { expiresIn: '30m' });
    const cancelled = await invite(api, campaign.id);
    const pending = await invite(api, campaign.id);
    await api.post(`/v1/invites/${cancelled.id}/cancel`);
    await expect(t.services.inviteLifecycle.recordStart(cancelled.id)).rejects.toMatchObject({ code: 'INVALID_STATE_TRANSITION' });
    await expect(t.services.inviteLifecycle.recordCompletion(pending.id)).rejects.toMatchObject({ code: 'INVALID_STATE_TRANSITION' });
    t.clock.advance(31 * 60_000);
    await expect(t.services.inviteLifecycle.recordStart(expiring.id)).rejects.toMatchObject({ code: 'INVITE_EXPIRED' });
  });
});

describe('cancel, resend, extend and update', () => {
  it('cancels pending and started invites for good', async () => {
    const { api, campaign } = await setup();
    const pending = await invite(api, campaign.id);
    const started = await invite(api, campaign.id);
    await t.services.inviteLifecycle.recordStart(started.id);
    for (const inv of [pending, started]) {
      const res = await api.post(`/v1/invites/${inv.id}/cancel`);
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('cancelled');
      expect(res.body.cancelledAt).not.toBeNull();
    }
    const again = await api.post(`/v1/invites/${pending.id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('INVALID_STATE_TRANSITION');
    for (const path of ['resend', 'extend']) {
      const res = await api.post(`/v1/invites/${pending.id}/${path}`, { expiresIn: '7d' });
      expect(res.status, path).toBe(path === 'resend' ? 422 : 409);
    }
    const resend = await api.post(`/v1/invites/${pending.id}/resend`, {});
    expect(resend.status).toBe(409);
    expect(resend.body.error.code).toBe('INVALID_STATE_TRANSITION');
  });

  it('resends with the same link, and refuses invites without email or past expiry', async () => {
    const { api, campaign } = await setup();
    const inv = await invite(api, campaign.id);
    const res = await api.post(`/v1/invites/${inv.id}/resend`, { message: 'A gentle reminder' });
    expect(res.status).toBe(200);
    expect(res.body.token).toBe(inv.token);
    expect(res.body.inviteUrl).toBe(inv.inviteUrl);
    expect(res.body.emailStatus).toBe('not_sent');
    expect((await api.post(`/v1/invites/${inv.id}/resend`)).status).toBe(200);

    const linkOnly = (await api.post(`/v1/campaigns/${campaign.id}/invites`, { sendEmail: false })).body;
    const noEmail = await api.post(`/v1/invites/${linkOnly.id}/resend`, {});
    expect(noEmail.status).toBe(422);

    const short = await invite(api, campaign.id, { expiresIn: '30m' });
    t.clock.advance(31 * 60_000);
    const expired = await api.post(`/v1/invites/${short.id}/resend`, {});
    expect(expired.status).toBe(409);
    expect(expired.body.error.code).toBe('INVITE_EXPIRED');

    await api.patch(`/v1/campaigns/${campaign.id}`, { status: 'paused' });
    const paused = await api.post(`/v1/invites/${inv.id}/resend`, {});
    expect(paused.status).toBe(409);
    expect(paused.body.error.code).toBe('CAMPAIGN_NOT_ACTIVE');
  });

  it('extends an expired invite back to pending (or started), keeping its token', async () => {
    const { api, campaign } = await setup();
    const inv = await invite(api, campaign.id, { expiresIn: '30m' });
    const begun = await invite(api, campaign.id, { expiresIn: '30m' });
    await t.services.inviteLifecycle.recordStart(begun.id);
    t.clock.advance(31 * 60_000);
    await t.services.inviteLifecycle.sweepExpired();
    expect((await api.get(`/v1/invites/${inv.id}`)).body.status).toBe('expired');

    const modify = await api.patch(`/v1/invites/${inv.id}`, { name: 'Too late' });
    expect(modify.status).toBe(409);
    expect(modify.body.error.code).toBe('INVITE_EXPIRED');
    const cancel = await api.post(`/v1/invites/${inv.id}/cancel`);
    expect(cancel.body.error.code).toBe('INVITE_EXPIRED');

    const until = inDays(3);
    const extended = await api.post(`/v1/invites/${inv.id}/extend`, { expiresAt: until });
    expect(extended.status).toBe(200);
    expect(extended.body).toMatchObject({ status: 'pending', expiresAt: until, token: inv.token });
    const resumed = await api.post(`/v1/invites/${begun.id}/extend`, { expiresIn: '2w' });
    expect(resumed.body.status).toBe('started');
    expect((await api.get(`/v1/campaigns/${campaign.id}`)).body.stats.invitesByStatus).toMatchObject({ pending: 1, started: 1, expired: 0 });

    expect((await api.post(`/v1/invites/${inv.id}/extend`, { expiresAt: '2001-01-01T00:00:00Z' })).status).toBe(422);
    expect((await api.post(`/v1/invites/${inv.id}/extend`, {})).status).toBe(422);
    await t.services.inviteLifecycle.recordCompletion(begun.id);
    const done = await api.post(`/v1/invites/${begun.id}/extend`, { expiresIn: '7d' });
    expect(done.status).toBe(409);
    expect(done.body.error.code).toBe('INVALID_STATE_TRANSITION');
  });

  it('cannot extend an invite past an expired campaign', async () => {
    const { api, campaign } = await setup({ expiresAt: inDays(1) });
    const inv = await invite(api, campaign.id);
    t.clock.advance(day + 1);
    const res = await api.post(`/v1/invites/${inv.id}/extend`, { expiresIn: '7d' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('INVITE_EXPIRED');
  });

  it('updates name and merges metadata', async () => {
    const { api, campaign } = await setup();
    const inv = await invite(api, campaign.id, { metadata: { a: 1, b: 'x' } });
    const res = await api.patch(`/v1/invites/${inv.id}`, { name: 'New name', metadata: { a: null, c: true } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'New name', metadata: { b: 'x', c: true } });
    expect(res.body.metadata).not.toHaveProperty('a');
    expect((await api.patch(`/v1/invites/${inv.id}`, { metadata: { deep: { x: 1 } } })).status).toBe(422);
  });
});

describe('bulk actions', () => {
  it('cancels by ids, reporting the ones that could not change and why', async () => {
    const { api, campaign } = await setup();
    const a = await invite(api, campaign.id);
    const b = await invite(api, campaign.id);
    await api.post(`/v1/invites/${b.id}/cancel`);
    const res = await api.post(`/v1/campaigns/${campaign.id}/invites/bulk-cancel`, { ids: [a.id, b.id, 'inv_doesnotexist0000'] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ matched: 2, changed: 1, failedCount: 2 });
    expect(res.body.failed).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: b.id, code: 'INVALID_STATE_TRANSITION' }),
        expect.objectContaining({ id: 'inv_doesnotexist0000', code: 'RESOURCE_NOT_FOUND' }),
      ]),
    );
    expect((await api.get(`/v1/invites/${a.id}`)).body.status).toBe('cancelled');
  });

  it('acts on a filter: email domain, status, creation and expiry times', async () => {
    const { api, campaign } = await setup();
    const acme = [await invite(api, campaign.id, { email: 'a@acme.com' }), await invite(api, campaign.id, { email: 'b@ACME.com' })];
    const other = await invite(api, campaign.id, { email: 'c@other.org' });
    const cancelled = await api.post(`/v1/campaigns/${campaign.id}/invites/bulk-cancel`, { filter: { emailDomain: 'acme.com' } });
    expect(cancelled.body).toMatchObject({ matched: 2, changed: 2, failedCount: 0 });
    for (const inv of acme) expect((await api.get(`/v1/invites/${inv.id}`)).body.status).toBe('cancelled');
    expect((await api.get(`/v1/invites/${other.id}`)).body.status).toBe('pending');

    const soon = await invite(api, campaign.id, { expiresIn: '30m' });
    t.clock.advance(31 * 60_000);
    const extended = await api.post(`/v1/campaigns/${campaign.id}/invites/bulk-extend`, { filter: { status: 'expired' }, expiresIn: '7d' });
    expect(extended.body).toMatchObject({ matched: 1, changed: 1 });
    expect((await api.get(`/v1/invites/${soon.id}`)).body.status).toBe('pending');

    const resent = await api.post(`/v1/campaigns/${campaign.id}/invites/bulk-resend`, { filter: { status: 'pending' }, message: 'Last chance' });
    expect(resent.body).toMatchObject({ matched: 2, changed: 2, failedCount: 0 });
    const expiring = await api.post(`/v1/campaigns/${campaign.id}/invites/bulk-extend`, {
      filter: { expiresBefore: inDays(8), expiresAfter: inDays(6) },
      expiresIn: '2w',
    });
    // The two cancelled acme invites fall in the window too, and are reported as not changed.
    expect(expiring.body).toMatchObject({ matched: 4, changed: 2, failedCount: 2 });
    expect(expiring.body.failed.every((f: { code: string }) => f.code === 'INVALID_STATE_TRANSITION')).toBe(true);
    const old = await api.post(`/v1/campaigns/${campaign.id}/invites/bulk-cancel`, { filter: { createdBefore: '2000-01-01T00:00:00Z' } });
    expect(old.body.matched).toBe(0);
  });

  it('needs an explicit selection', async () => {
    const { api, campaign } = await setup();
    await invite(api, campaign.id);
    for (const body of [{}, { filter: {} }, { ids: [] }, { ids: ['inv_x'], all: true }]) {
      const res = await api.post(`/v1/campaigns/${campaign.id}/invites/bulk-cancel`, body);
      expect(res.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    const all = await api.post(`/v1/campaigns/${campaign.id}/invites/bulk-cancel`, { all: true });
    expect(all.body).toMatchObject({ matched: 1, changed: 1 });
  });
});

describe('access', () => {
  it('needs invites:read and invites:write', async () => {
    const owner = await setup();
    const inv = await invite(owner.api, owner.campaign.id);
    const readKey = (await owner.api.post('/v1/api-keys', { name: 'r', scopes: ['invites:read'] })).body.key;
    const reader = apiClient(t.app, readKey);
    expect((await reader.get(`/v1/invites/${inv.id}`)).status).toBe(200);
    expect((await reader.get(`/v1/campaigns/${owner.campaign.id}/invites`)).status).toBe(200);
    for (const [method, path] of [
      ['post', `/v1/campaigns/${owner.campaign.id}/invites`],
      ['post', `/v1/invites/${inv.id}/cancel`],
      ['post', `/v1/invites/${inv.id}/resend`],
      ['post', `/v1/invites/${inv.id}/extend`],
      ['post', `/v1/campaigns/${owner.campaign.id}/invites/bulk-cancel`],
    ] as const) {
      const res = await reader[method](path, { email: 'x@example.com' });
      expect(res.status, path).toBe(403);
    }
    const campaignsOnly = (await owner.api.post('/v1/api-keys', { name: 'c', scopes: ['campaigns:read'] })).body.key;
    expect((await apiClient(t.app, campaignsOnly).get(`/v1/invites/${inv.id}`)).status).toBe(403);
  });

  it("answers 404 for another organization's invites and campaigns on every route", async () => {
    const owner = await setup();
    const inv = await invite(owner.api, owner.campaign.id);
    const { api } = await t.newOrg();
    const c = owner.campaign.id;
    const attempts: Array<[keyof Api, string, unknown?]> = [
      ['get', `/v1/invites/${inv.id}`],
      ['patch', `/v1/invites/${inv.id}`, { name: 'x' }],
      ['post', `/v1/invites/${inv.id}/cancel`],
      ['post', `/v1/invites/${inv.id}/resend`],
      ['post', `/v1/invites/${inv.id}/extend`, { expiresIn: '7d' }],
      ['get', `/v1/campaigns/${c}/invites`],
      ['post', `/v1/campaigns/${c}/invites`, { email: 'x@example.com' }],
      ['post', `/v1/campaigns/${c}/invites/bulk`, { invites: [{ email: 'x@example.com' }] }],
      ['post', `/v1/campaigns/${c}/invites/bulk-cancel`, { all: true }],
    ];
    for (const [method, path, body] of attempts) {
      const res = await (api[method] as (p: string, b?: unknown) => Promise<{ status: number }>)(path, body);
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    expect((await owner.api.get(`/v1/invites/${inv.id}`)).body.status).toBe('pending');
  });
});
