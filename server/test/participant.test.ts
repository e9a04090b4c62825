import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, createTestApp, type Api, type TestApp } from './app.js';
import { createCampaign, createPublishedScript } from './fixtures.js';
import { chrome, participantBrowser } from './participant.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const questions = [
  { id: 'q1', text: 'Hi {{name}}, how was your first week at {{company}}?', type: 'open', followUp: { enabled: true, maxFollowUps: 2, prompt: 'Dig deeper' } },
  { id: 'q2', text: 'How likely are you to recommend us?', type: 'rating', scale: { min: 0, max: 10 } },
  { id: 'q3', text: 'Which plan?', type: 'multiple_choice', options: ['Free', 'Pro'] },
  { id: 'q4', text: 'Join a follow-up study?', type: 'yes_no', required: false },
];

async function setup(settings: Record<string, unknown> = {}) {
  const org = await t.newOrg();
  const script = await createPublishedScript(org.api, { questions });
  const campaign = await createCampaign(org.api, { scriptId: script.id, settings: { language: 'en', ...settings } });
  const invite = (await org.api.post(`/v1/campaigns/${campaign.id}/invites`, { email: 'ana@example.com', name: 'Ana', sendEmail: false, metadata: { team: 'ops' } })).body;
  return { ...org, campaign, invite };
}

async function inviteStatus(api: Api, id: string) {
  return (await api.get(`/v1/invites/${id}`)).body.status;
}

describe('opening the link', () => {
  it('shows the welcome screen and consumes nothing', async () => {
    const { api, invite, campaign } = await setup();
    const p = participantBrowser(t);
    for (let i = 0; i < 3; i++) {
      const res = await p.open(invite.token);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        state: 'welcome',
        campaign: { name: campaign.name, language: 'en' },
        invitee: { name: 'Ana' },
        questionCount: 4,
        requireConsent: false,
        verifyEmail: false,
      });
      expect(res.body.estimatedMinutes).toBeGreaterThanOrEqual(1);
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['cache-control']).toBe('no-store');
    }
    expect(await inviteStatus(api, invite.id)).toBe('pending');
  });

  it('tells an invalid, expired, cancelled, completed and unavailable link apart', async () => {
    const p = participantBrowser(t);
    const unknown = await p.open('x'.repeat(43));
    expect(unknown.status).toBe(404);
    expect(unknown.headers['referrer-policy']).toBe('no-referrer');
    expect(unknown.headers['cache-control']).toBe('no-store');
    expect((await p.open('not-a-token')).body.error.details.state).toBe('invalid');

    const { api, campaign } = await setup();
    const expiring = (await api.post(`/v1/campaigns/${campaign.id}/invites`, { sendEmail: false, expiresIn: '30m' })).body;
    const cancelled = (await api.post(`/v1/campaigns/${campaign.id}/invites`, { sendEmail: false })).body;
    await api.post(`/v1/invites/${cancelled.id}/cancel`);
    t.clock.advance(31 * 60_000);
    expect((await p.open(expiring.token)).body.state).toBe('expired');
    expect((await p.open(cancelled.token)).body.state).toBe('cancelled');
    const startExpired = await p.start(expiring.token);
    expect(startExpired.status).toBe(409);
    expect(startExpired.body.error.code).toBe('INVITE_EXPIRED');

    const paused = await setup();
    await paused.api.patch(`/v1/campaigns/${paused.campaign.id}`, { status: 'paused' });
    expect((await p.open(paused.invite.token)).body.state).toBe('unavailable');
    expect((await p.start(paused.invite.token)).body.error.code).toBe('CAMPAIGN_NOT_ACTIVE');
  });
});

describe('taking the interview', () => {
  it('starts with a POST, asks one question at a time, follows up, and completes', async () => {
    const { api, invite, campaign } = await setup();
    const p = participantBrowser(t);
    const started = await p.start(invite.token, { prefill: { company: 'Acme' } });
    expect(started.status).toBe(200);
    expect(p.cookie()).toMatch(/^parley_session=ses_/);
    expect(String(started.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    expect(await inviteStatus(api, invite.id)).toBe('started');
    expect(started.body.step).toMatchObject({ kind: 'question', index: 0, total: 4, question: { id: 'q1', text: 'Hi Ana, how was your first week at Acme?', type: 'open' } });

    // A vague answer earns a follow-up; a full one moves on.
    const vague = await p.answer('q1', 'It was fine I guess');
    expect(vague.body.step).toMatchObject({ kind: 'follow_up', questionId: 'q1' });
    expect(vague.body.step.text).toContain('fine');
    const thread = [
      { speaker: 'ai', text: 'Hi Ana, how was your first week at Acme?' },
      { speaker: 'participant', text: 'It was fine I guess' },
    ];
    expect(vague.body.step.thread).toEqual(thread);
    // Coming back on another device, the follow-up still shows what it follows.
    const elsewhere = await participantBrowser(t).start(invite.token);
    expect(elsewhere.body.step).toEqual({ ...vague.body.step, thread });
    expect((await p.view()).body.step.thread).toEqual(thread);
    const full = await p.answer('q1', 'The onboarding buddy helped a lot, and the tooling was set up before I arrived, which saved me days.');
    expect(full.body.step).toMatchObject({ kind: 'question', index: 1, question: { id: 'q2', type: 'rating', scale: { min: 0, max: 10 } } });

    expect((await p.answer('q2', 11)).status).toBe(422);
    expect((await p.answer('q2', null)).status).toBe(422);
    expect((await p.answer('q3', 'Free')).status).toBe(409); // not the current question
    expect((await p.answer('q2', 9)).body.step.question.id).toBe('q3');
    expect((await p.answer('q3', 'Enterprise')).status).toBe(422);
    expect((await p.answer('q3', 'Pro')).body.step.question).toMatchObject({ id: 'q4', required: false });
    expect((await p.complete()).status).toBe(409); // a question is left
    const skipped = await p.answer('q4', null);
    expect(skipped.body.step).toEqual({ kind: 'review' });
    expect(skipped.body.session).toMatchObject({ questionsAnswered: 3, totalQuestions: 4 });

    const done = await p.complete();
    expect(done.status).toBe(200);
    expect(done.body.step).toEqual({ kind: 'completed' });
    expect(await inviteStatus(api, invite.id)).toBe('completed');
    expect((await p.open(invite.token)).body.state).toBe('completed');
    const again = await participantBrowser(t).start(invite.token);
    expect(again.status).toBe(409);

    const stats = (await api.get(`/v1/campaigns/${campaign.id}`)).body.stats;
    expect(stats).toMatchObject({ completedSessions: 1, invitesByStatus: { completed: 1 } });
    const list = (await api.get(`/v1/campaigns/${campaign.id}/sessions`)).body;
    expect(list.pagination.total).toBe(1);
    const session = list.data[0];
    expect(session).toMatchObject({
      inviteId: invite.id,
      status: 'completed',
      participant: { email: 'ana@example.com', name: 'Ana' },
      questionsAnswered: 3,
      totalQuestions: 4,
      language: 'en',
      metadata: { team: 'ops', company: 'Acme' },
      device: { type: 'mobile' },
      endedBy: 'participant',
    });
    expect(session.sentiment.overall).toMatch(/positive|neutral|negative/);
    expect(session.device.os).toMatch(/iOS/);
  });

  it('creates exactly one session under 20 simultaneous starts', async () => {
    const { api, invite, campaign } = await setup();
    const results = await Promise.all(Array.from({ length: 20 }, () => participantBrowser(t).start(invite.token)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(new Set(results.map((r) => r.body.session.id)).size).toBe(1);
    expect((await api.get(`/v1/campaigns/${campaign.id}/sessions`)).body.pagination.total).toBe(1);
    expect((await api.get(`/v1/campaigns/${campaign.id}`)).body.stats.invitesByStatus).toMatchObject({ pending: 0, started: 1 });
  });

  it('resumes at the next unanswered step, on another device', async () => {
    const { invite } = await setup();
    const phone = participantBrowser(t);
    await phone.start(invite.token);
    await phone.answer('q1', 'The onboarding buddy helped a lot, and the tooling was ready before I arrived at the office.');
    await phone.answer('q2', 8);
    const laptop = participantBrowser(t);
    expect((await laptop.view()).status).toBe(404); // no cookie yet
    const opened = await laptop.open(invite.token);
    expect(opened.body.state).toBe('resume');
    const resumed = await laptop.start(invite.token);
    expect(resumed.body.step.question.id).toBe('q3');
    expect(resumed.body.session.questionsAnswered).toBe(2);
  });

  it('asks for consent first when the campaign requires it, and records it', async () => {
    const { api, invite } = await setup({ requireConsent: true });
    const p = participantBrowser(t);
    expect((await p.open(invite.token)).body.requireConsent).toBe(true);
    const started = await p.start(invite.token);
    expect(started.body.step).toEqual({ kind: 'consent' });
    expect((await p.answer('q1', 'hello')).status).toBe(409);
    const consented = await p.consent(true);
    expect(consented.body.step.question.id).toBe('q1');
    const session = (await api.get(`/v1/sessions/${started.body.session.id}`)).body;
    expect(session.consent).toMatchObject({ granted: true, type: 'all', userAgent: chrome });
    expect(Date.parse(session.consent.at)).not.toBeNaN();
  });

  it('asks for the invited address when verifyEmail is on, with a few attempts then a pause', async () => {
    const { invite } = await setup({ verifyEmail: true });
    const p = participantBrowser(t);
    expect((await p.open(invite.token)).body.verifyEmail).toBe(true);
    const wrong = await p.start(invite.token, { email: 'someone@example.com' });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.details.attemptsLeft).toBe(4);
    expect((await p.start(invite.token, { email: ' ANA@example.com ' })).status).toBe(200);

    const other = await setup({ verifyEmail: true });
    for (let i = 0; i < 5; i++) await p.start(other.invite.token, { email: `x${i}@example.com` });
    const locked = await p.start(other.invite.token, { email: 'ana@example.com' });
    expect(locked.status).toBe(429);
    expect(locked.body.error.retryAfter).toBeGreaterThan(0);
    t.clock.advance(16 * 60_000);
    expect((await p.start(other.invite.token, { email: 'ana@example.com' })).status).toBe(200);
  });
});

describe('liveness', () => {
  it('marks a quiet session abandoned, resumes it on return, and ends it at maxDuration', async () => {
    const { api, invite } = await setup({ abandonAfterMinutes: 5, maxDuration: 600 });
    const p = participantBrowser(t);
    const started = await p.start(invite.token);
    const id = started.body.session.id;
    t.clock.advance(6 * 60_000);
    expect(await t.services.sessionFlow.sweep()).toEqual({ abandoned: 1, ended: 0 });
    expect((await api.get(`/v1/sessions/${id}`)).body.status).toBe('abandoned');
    expect((await p.heartbeat()).body.session.status).toBe('in_progress');
    await p.answer('q1', 'Honestly the first week was really well organised by the whole team, thank you.');
    t.clock.advance(5 * 60_000);
    const ended = await p.view();
    expect(ended.body.step).toEqual({ kind: 'ended', reason: 'time_limit' });
    const session = (await api.get(`/v1/sessions/${id}`)).body;
    expect(session).toMatchObject({ status: 'completed', endedBy: 'time_limit', questionsAnswered: 1 });
    expect(await inviteStatus(api, invite.id)).toBe('completed');
  });
});

describe('answers as signs of life', () => {
  it('an answer restarts the abandon clock, so only silence after it counts', async () => {
    const { api, invite } = await setup({ abandonAfterMinutes: 5 });
    const p = participantBrowser(t);
    const id = (await p.start(invite.token)).body.session.id;
    const status = async () => (await api.get(`/v1/sessions/${id}`)).body.status;
    t.clock.advance(4 * 60_000);
    expect((await p.answer('q1', 'The first week was calm and well organised, thanks to my team.')).status).toBe(200);
    t.clock.advance(4 * 60_000);
    await t.services.sessionFlow.sweep();
    expect(await status()).toBe('in_progress');
    t.clock.advance(2 * 60_000);
    await t.services.sessionFlow.sweep();
    expect(await status()).toBe('abandoned');
  });
});

describe('the sessions API', () => {
  it('pauses and resumes, refusing both from states that do not allow them', async () => {
    const { api, invite } = await setup();
    const p = participantBrowser(t);
    const id = (await p.start(invite.token)).body.session.id;
    const paused = await api.post(`/v1/sessions/${id}/pause`, { reason: 'Technical issue reported by participant' });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ status: 'paused', pauseReason: 'Technical issue reported by participant' });
    expect((await p.view()).body.step).toEqual({ kind: 'paused', reason: 'Technical issue reported by participant' });
    const blocked = await p.answer('q1', 'anything');
    expect(blocked.status).toBe(409);
    expect(blocked.body.error.code).toBe('SESSION_NOT_ACTIVE');
    expect((await api.post(`/v1/sessions/${id}/pause`, {})).body.error.code).toBe('SESSION_NOT_ACTIVE');
    expect((await api.post(`/v1/sessions/${id}/heartbeat`)).status).toBe(409);
    expect((await api.post(`/v1/sessions/${id}/resume`)).body.status).toBe('in_progress');
    expect((await api.post(`/v1/sessions/${id}/resume`)).body.error.code).toBe('SESSION_NOT_ACTIVE');
    expect((await api.post(`/v1/sessions/${id}/heartbeat`)).body.status).toBe('in_progress');
    const consent = await api.post(`/v1/sessions/${id}/consent`, { granted: true, type: 'recording', ip: '203.0.113.9' });
    expect(consent.body.consent).toMatchObject({ granted: true, type: 'recording', ip: '203.0.113.9' });
    expect((await api.post(`/v1/sessions/${id}/consent`, { granted: 'yes', type: 'recording' })).status).toBe(422);
  });

  it('lists with status, dates, sorting and pagination; scopes and organizations are enforced', async () => {
    const { api, campaign } = await setup();
    for (let i = 0; i < 3; i++) {
      const inv = (await api.post(`/v1/campaigns/${campaign.id}/invites`, { sendEmail: false })).body;
      await participantBrowser(t).start(inv.token);
      t.clock.advance(1000);
    }
    const all = await api.get(`/v1/campaigns/${campaign.id}/sessions?limit=2&order=asc`);
    expect(all.body.pagination).toEqual({ total: 3, limit: 2, offset: 0, hasMore: true });
    expect(Date.parse(all.body.data[0].createdAt)).toBeLessThan(Date.parse(all.body.data[1].createdAt));
    expect((await api.get(`/v1/campaigns/${campaign.id}/sessions?status=completed`)).body.pagination.total).toBe(0);
    expect((await api.get(`/v1/campaigns/${campaign.id}/sessions?status=in_progress&sort=duration`)).body.pagination.total).toBe(3);
    const future = new Date(t.clock.now().getTime() + 60_000).toISOString();
    expect((await api.get(`/v1/campaigns/${campaign.id}/sessions?from=${future}`)).body.pagination.total).toBe(0);
    expect((await api.get(`/v1/campaigns/${campaign.id}/sessions?status=gone`)).status).toBe(400);

    const id = all.body.data[0].id;
    const stranger = await t.newOrg();
    expect((await stranger.api.get(`/v1/sessions/${id}`)).status).toBe(404);
    expect((await stranger.api.post(`/v1/sessions/${id}/pause`, {})).status).toBe(404);
    expect((await stranger.api.get(`/v1/campaigns/${campaign.id}/sessions`)).status).toBe(404);
    const readOnly = apiClient(t.app, (await api.post('/v1/api-keys', { name: 'r', scopes: ['sessions:read'] })).body.key);
    expect((await readOnly.get(`/v1/sessions/${id}`)).status).toBe(200);
    expect((await readOnly.post(`/v1/sessions/${id}/pause`, {})).status).toBe(403);
  });

  it('stores session files by their real type and serves them only as downloads', async () => {
    const { api, key, invite } = await setup();
    const id = (await participantBrowser(t).start(invite.token)).body.session.id;
    const upload = (name: string, bytes: Buffer) => {
      const boundary = '----parley';
      const payload = Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
        bytes,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      return t.app.inject({ method: 'POST', url: `/v1/sessions/${id}/files`, headers: { authorization: `Bearer ${key}`, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload });
    };
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
    const res = await upload('notes.pdf', pdf);
    expect(res.statusCode, res.body).toBe(201);
    const file = JSON.parse(res.body);
    expect(file).toMatchObject({ filename: 'notes.pdf', contentType: 'application/pdf', size: pdf.length });
    expect((await upload('page.html', Buffer.from('<html><script>alert(1)</script>'))).statusCode).toBe(415);
    const list = await api.get(`/v1/sessions/${id}/files`);
    expect(list.body.data.map((f: { id: string }) => f.id)).toEqual([file.id]);
    const download = await t.app.inject({ method: 'GET', url: `/v1/sessions/${id}/files/${file.id}`, headers: { authorization: `Bearer ${key}` } });
    expect(download.headers['content-disposition']).toMatch(/^attachment;/);
    expect(download.headers['x-content-type-options']).toBe('nosniff');
    expect(download.rawPayload.equals(pdf)).toBe(true);
  });
});
