import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './app.js';
import { createCampaign, createPublishedScript } from './fixtures.js';
import { participantBrowser } from './participant.js';

/** The participant's and the administrator's error paths: each is refused clearly and changes nothing. */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { SESSION_FILE_MAX_BYTES: '2048' } });
});
afterAll(() => t.close());

const questions = [
  { id: 'q1', text: 'What brought you to us?', type: 'open', followUp: { enabled: false } },
  { id: 'q2', text: 'How likely are you to recommend us?', type: 'rating', scale: { min: 0, max: 10 } },
];

async function setup(settings: Record<string, unknown> = {}) {
  const org = await t.newOrg();
  const script = await createPublishedScript(org.api, { questions });
  const campaign = await createCampaign(org.api, { scriptId: script.id, settings: { language: 'en', ...settings } });
  const invite = (await org.api.post(`/v1/campaigns/${campaign.id}/invites`, { email: 'lea@example.com', name: 'Lea', sendEmail: false })).body;
  return { ...org, campaign, invite };
}

async function transcriptLines(api: Awaited<ReturnType<typeof setup>>['api'], sessionId: string): Promise<number> {
  return (await api.get(`/v1/sessions/${sessionId}/transcript`)).body.utterances.length;
}

describe('the session cookie', () => {
  it('cannot be forged, altered or carried to another path', async () => {
    const { invite } = await setup();
    const p = participantBrowser(t);
    await p.start(invite.token);
    const [name, value] = p.cookie()!.split('=');
    const [id, signature] = value!.split('.');
    const call = (cookie: string) => t.app.inject({ method: 'GET', url: '/p/session', headers: { cookie } });

    expect((await call(`${name}=${id}.${signature}`)).statusCode).toBe(200);
    const otherId = `ses_${'A'.repeat(20)}`;
    for (const forged of [`${name}=${otherId}.${signature}`, `${name}=${id}.${signature!.slice(0, -2)}xx`, `${name}=${id}`, `${name}=`, 'other=1']) {
      const res = await call(forged);
      expect(res.statusCode, forged).toBe(404);
      expect(JSON.parse(res.body).error).toMatchObject({ code: 'RESOURCE_NOT_FOUND', details: { state: 'no_session' } });
    }
  });
});

describe('answers that are refused', () => {
  it('answers 400 or 422 with a code for malformed answers, and nothing is saved', async () => {
    const { api, invite } = await setup();
    const p = participantBrowser(t);
    const sessionId = (await p.start(invite.token)).body.session.id;
    await p.answer('q1', 'A colleague told me about you and the free trial convinced me.');
    const before = await transcriptLines(api, sessionId);

    const post = (payload: unknown) =>
      t.app.inject({ method: 'POST', url: '/p/session/answer', headers: { cookie: p.cookie()!, 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
    for (const [payload, status] of [
      [{ answer: 5 }, 400], // no question id
      [[5], 400], // not an object
      [{ questionId: 'q2', answer: { nested: true } }, 422],
      [{ questionId: 'q2', answer: 5, extra: 1 }, 422],
      [{ questionId: 'q2', answer: 'x'.repeat(10_001) }, 422],
      [{ questionId: 'q2', answer: 4.5 }, 422], // ratings are whole numbers
      [{ questionId: 'q2', answer: -1 }, 422],
      [{ questionId: 'q2', answer: 'ten' }, 422],
    ] as const) {
      const res = await post(payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(status);
      expect(JSON.parse(res.body).error.code).toBe(status === 400 ? 'INVALID_REQUEST' : 'VALIDATION_ERROR');
    }
    const stale = await p.answer('q1', 'Answering the same question twice');
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('RESOURCE_CONFLICT');

    const view = (await p.view()).body;
    expect(view.session.questionsAnswered).toBe(1);
    expect(view.step.question.id).toBe('q2');
    expect(await transcriptLines(api, sessionId)).toBe(before);
    expect((await p.answer('q2', 7)).body.step).toEqual({ kind: 'review' });
  });

  it('refuses answers, consent and heartbeats once the interview is complete, and completing twice is harmless', async () => {
    const { api, invite } = await setup();
    const p = participantBrowser(t);
    const sessionId = (await p.start(invite.token)).body.session.id;
    await p.answer('q1', 'Mostly curiosity about what the product could do for our research team.');
    await p.answer('q2', 10);
    expect((await p.complete()).body.step).toEqual({ kind: 'completed' });
    const lines = await transcriptLines(api, sessionId);

    const answer = await p.answer('q2', 3);
    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe('SESSION_NOT_ACTIVE');
    expect((await p.consent(true)).body.error.code).toBe('SESSION_NOT_ACTIVE');
    expect((await p.heartbeat()).body.step).toEqual({ kind: 'completed' });
    expect((await p.complete()).body.step).toEqual({ kind: 'completed' });
    expect((await api.post(`/v1/sessions/${sessionId}/pause`, {})).body.error.code).toBe('SESSION_NOT_ACTIVE');
    expect((await api.post(`/v1/sessions/${sessionId}/heartbeat`)).body.error.code).toBe('SESSION_NOT_ACTIVE');
    const session = (await api.get(`/v1/sessions/${sessionId}`)).body;
    expect(session).toMatchObject({ status: 'completed', questionsAnswered: 2 });
    expect(await transcriptLines(api, sessionId)).toBe(lines);
  });
});

describe('consent', () => {
  it('records a refusal and lets nothing be answered after it', async () => {
    const { api, invite } = await setup({ requireConsent: true });
    const p = participantBrowser(t);
    const sessionId = (await p.start(invite.token)).body.session.id;
    const declined = await p.consent(false);
    expect(declined.status).toBe(409);
    expect(declined.body.error).toMatchObject({ code: 'SESSION_NOT_ACTIVE', details: { consent: { granted: false } } });
    expect((await p.view()).body.step).toEqual({ kind: 'consent' });
    expect((await p.answer('q1', 'hello')).status).toBe(409);
    const session = (await api.get(`/v1/sessions/${sessionId}`)).body;
    expect(session.consent).toMatchObject({ granted: false, type: 'all' });
    expect(session.questionsAnswered).toBe(0);
    // Changing one's mind is allowed: granting it later opens the first question.
    expect((await p.consent(true)).body.step.question.id).toBe('q1');
  });

  it('refuses a consent type outside the list', async () => {
    const { api, invite } = await setup();
    const sessionId = (await participantBrowser(t).start(invite.token)).body.session.id;
    const res = await api.post(`/v1/sessions/${sessionId}/consent`, { granted: true, type: 'everything' });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect((await api.get(`/v1/sessions/${sessionId}`)).body.consent).toBeNull();
  });
});

describe('durations', () => {
  it('fills the session duration and the campaign average duration from completed interviews', async () => {
    const { api, campaign } = await setup();
    for (const seconds of [60, 180]) {
      const invite = (await api.post(`/v1/campaigns/${campaign.id}/invites`, { sendEmail: false })).body;
      const p = participantBrowser(t);
      await p.start(invite.token);
      await p.answer('q1', 'We needed a better way to talk to our customers every week.');
      await p.answer('q2', 8);
      t.clock.advance(seconds * 1000);
      await p.complete();
    }
    const stats = (await api.get(`/v1/campaigns/${campaign.id}`)).body.stats;
    expect(stats.completedSessions).toBe(2);
    expect(stats.averageDuration).toBe(120);
    const sessions = (await api.get(`/v1/campaigns/${campaign.id}/sessions?status=completed&sort=duration&order=asc`)).body.data;
    expect(sessions.map((s: { duration: number }) => s.duration)).toEqual([60, 180]);
  });
});

describe('session files', () => {
  it('refuses a file over the size limit, and keeps files to their own organization', async () => {
    const { api, key, invite } = await setup();
    const sessionId = (await participantBrowser(t).start(invite.token)).body.session.id;
    const upload = (bytes: Buffer, auth = key) => {
      const boundary = '----parley-edge';
      const payload = Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\nContent-Type: image/png\r\n\r\n`),
        bytes,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      return t.app.inject({ method: 'POST', url: `/v1/sessions/${sessionId}/files`, headers: { authorization: `Bearer ${auth}`, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload });
    };
    const png = (size: number) => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(size - 8)]);

    const tooBig = await upload(png(4096));
    expect(tooBig.statusCode).toBe(413);
    expect(JSON.parse(tooBig.body).error.code).toBe('PAYLOAD_TOO_LARGE');
    expect((await api.get(`/v1/sessions/${sessionId}/files`)).body.data).toEqual([]);

    const ok = await upload(png(1024));
    expect(ok.statusCode, ok.body).toBe(201);
    const file = JSON.parse(ok.body);
    expect(file.contentType).toBe('image/png');

    const stranger = await t.newOrg();
    expect((await upload(png(512), stranger.key)).statusCode).toBe(404);
    const download = await t.app.inject({ method: 'GET', url: `/v1/sessions/${sessionId}/files/${file.id}`, headers: { authorization: `Bearer ${stranger.key}` } });
    expect(download.statusCode).toBe(404);
    const unknown = await api.get(`/v1/sessions/${sessionId}/files/fil_${'0'.repeat(20)}`);
    expect(unknown.status).toBe(404);
    expect((await api.get(`/v1/sessions/${sessionId}/files`)).body.data).toHaveLength(1);
  });
});

describe('an interview that outlives its invite', () => {
  async function invited(settings: Record<string, unknown>, expiresIn: string) {
    const org = await setup(settings);
    const invite = (await org.api.post(`/v1/campaigns/${org.campaign.id}/invites`, { name: 'Ines', sendEmail: false, expiresIn })).body;
    return { ...org, invite };
  }
  const finishAll = async (p: ReturnType<typeof participantBrowser>) => {
    await p.answer('q1', 'A friend recommended the product to me last spring.');
    return p.answer('q2', 8);
  };

  it('still completes, invite and all, when the invite expires while the participant is answering', async () => {
    const { api, invite } = await invited({ abandonAfterMinutes: 240 }, '1h');
    const p = participantBrowser(t);
    const id = (await p.start(invite.token)).body.session.id;
    expect((await finishAll(p)).body.step).toEqual({ kind: 'review' });
    t.clock.advance(2 * 3_600_000);
    const done = await p.complete();
    expect(done.status).toBe(200);
    expect(done.body.step).toEqual({ kind: 'completed' });
    expect((await api.get(`/v1/sessions/${id}`)).body.status).toBe('completed');
    expect((await api.get(`/v1/invites/${invite.id}`)).body.status).toBe('completed');
  });

  it('completes the session but leaves a cancelled invite cancelled', async () => {
    const { api, invite, campaign } = await invited({}, '7d');
    const p = participantBrowser(t);
    const id = (await p.start(invite.token)).body.session.id;
    await finishAll(p);
    expect((await api.post(`/v1/invites/${invite.id}/cancel`)).status).toBe(200);
    const done = await p.complete();
    expect(done.status).toBe(200);
    expect(done.body.step).toEqual({ kind: 'completed' });
    expect((await api.get(`/v1/sessions/${id}`)).body.status).toBe('completed');
    expect((await api.get(`/v1/invites/${invite.id}`)).body.status).toBe('cancelled');
    expect((await api.get(`/v1/campaigns/${campaign.id}`)).body.stats.invitesByStatus).toMatchObject({ cancelled: 1, completed: 0, started: 0 });
  });

  it('ends at its time limit even after the expiry sweep marked its invite expired', async () => {
    const { api, invite } = await invited({ abandonAfterMinutes: 240, maxDuration: 3600 }, '30m');
    const p = participantBrowser(t);
    const id = (await p.start(invite.token)).body.session.id;
    await p.answer('q1', 'A friend recommended the product to me last spring.');
    t.clock.advance(31 * 60_000);
    await t.services.inviteLifecycle.sweepExpired();
    expect((await api.get(`/v1/invites/${invite.id}`)).body.status).toBe('expired');
    t.clock.advance(30 * 60_000);
    await t.services.sessionFlow.sweep();
    expect((await api.get(`/v1/sessions/${id}`)).body).toMatchObject({ status: 'completed', endedBy: 'time_limit', questionsAnswered: 1 });
    expect((await p.view()).body.step).toEqual({ kind: 'ended', reason: 'time_limit' });
  });
});
