import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './app.js';
import { createCampaign, createPublishedScript } from './fixtures.js';
import { participantBrowser } from './participant.js';

let t: TestApp;
let key: string;
let sessionId: string;
let api: Awaited<ReturnType<TestApp['newOrg']>>['api'];

/** One finished interview: follow-up, an NPS rating, a choice, personal data in the answers. */
beforeAll(async () => {
  t = await createTestApp();
  const org = await t.newOrg();
  ({ api, key } = org);
  await api.patch('/v1/organization', { name: 'Acme <Research>' });
  const script = await createPublishedScript(api, {
    questions: [
      { id: 'q1', text: 'What did you think of onboarding?', type: 'open', followUp: { enabled: true, maxFollowUps: 1 } },
      { id: 'q2', text: 'How likely are you to recommend us to a friend?', type: 'rating', scale: { min: 0, max: 10 } },
      { id: 'q3', text: 'Which plan are you on?', type: 'multiple_choice', options: ['Free', 'Pro'] },
    ],
  });
  const campaign = await createCampaign(api, { scriptId: script.id, name: 'Onboarding study' });
  const invite = (await api.post(`/v1/campaigns/${campaign.id}/invites`, { sendEmail: false, name: 'Maria Lopez' })).body;
  const p = participantBrowser(t);
  sessionId = (await p.start(invite.token)).body.session.id;
  t.clock.advance(20_000);
  await p.answer('q1', 'I love it!');
  t.clock.advance(15_000);
  await p.answer('q1', 'Honestly the buddy system was great. Write to me at maria@example.com or +1 (415) 555-0132, I am Maria Lopez. <script>alert(1)</script>');
  t.clock.advance(5_000);
  await p.answer('q2', 9);
  await p.answer('q3', 'Pro');
  await p.complete();
});
afterAll(() => t.close());

const get = (url: string) => t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });

describe('transcripts', () => {
  it('answers JSON with speakers, question ids, timings and sentiment', async () => {
    const res = await api.get(`/v1/sessions/${sessionId}/transcript`);
    expect(res.status).toBe(200);
    const { utterances } = res.body;
    expect(utterances.map((u: { speaker: string; kind: string }) => `${u.speaker}:${u.kind}`)).toEqual([
      'ai:question', 'participant:answer', 'ai:follow_up', 'participant:answer', 'ai:question', 'participant:answer', 'ai:question', 'participant:answer',
    ]);
    expect(utterances[2].text).toBe('You said "I love it". What made you feel that strongly?');
    // Offsets from the session start (the test clock moves 20 s, then 15 s; real time adds a few ms).
    expect(utterances[1]).toMatchObject({ questionId: 'q1', startMs: 0 });
    expect(utterances[1].endMs).toBeGreaterThanOrEqual(20_000);
    expect(utterances[1].endMs).toBeLessThan(21_000);
    expect(utterances[3].startMs).toBe(utterances[1].endMs);
    expect(utterances[3].endMs - utterances[3].startMs).toBeGreaterThanOrEqual(15_000);
    expect(utterances[3].endMs - utterances[3].startMs).toBeLessThan(16_000);
    expect(utterances[1].sentiment).toBeGreaterThan(0.3);
    expect(utterances[0].sentiment).toBeNull();
    expect(utterances[0]).not.toHaveProperty('keywords');
    const withKeywords = await api.get(`/v1/sessions/${sessionId}/transcript?include_keywords=true&include_sentiment=false&speaker=participant`);
    expect(withKeywords.body.utterances).toHaveLength(4);
    expect(withKeywords.body.utterances[0]).not.toHaveProperty('sentiment');
    expect(withKeywords.body.utterances[1].keywords).toContain('buddy');
  });

  it('masks personal data when asked: email, phone and the invitee name', async () => {
    const res = await api.get(`/v1/sessions/${sessionId}/transcript?redact_pii=true&speaker=participant`);
    const text = res.body.utterances[1].text as string;
    expect(text).not.toContain('maria@example.com');
    expect(text).not.toContain('555-0132');
    expect(text).not.toContain('Maria');
    expect(text).not.toContain('Lopez');
    expect(text).toContain('[email]');
    expect(text).toContain('[phone]');
    expect(text).toContain('[name]');
    const plain = await api.get(`/v1/sessions/${sessionId}/transcript?speaker=participant`);
    expect(plain.body.utterances[1].text).toContain('maria@example.com');
  });

  it('renders text, SubRip and WebVTT', async () => {
    const text = await get(`/v1/sessions/${sessionId}/transcript?format=text`);
    expect(text.headers['content-type']).toMatch(/^text\/plain/);
    expect(text.body).toMatch(/\[00:00\] Interviewer: What did you think of onboarding\?/);
    const srt = await get(`/v1/sessions/${sessionId}/transcript?format=srt`);
    expect(srt.body.split(/\r?\n\r?\n/).filter(Boolean)[0]).toMatch(/^1\r?\n00:00:00,000 --> 00:00:0\d,\d{3}\r?\n/);
    const vtt = await get(`/v1/sessions/${sessionId}/transcript?format=vtt`);
    expect(vtt.headers['content-type']).toMatch(/^text\/vtt/);
    expect(vtt.body.startsWith('WEBVTT')).toBe(true);
    expect(vtt.body).toContain('&lt;script&gt;');
    expect((await api.get(`/v1/sessions/${sessionId}/transcript?format=docx`)).status).toBe(400);
  });

  it('is 404 for another organization', async () => {
    const stranger = await t.newOrg();
    expect((await stranger.api.get(`/v1/sessions/${sessionId}/transcript`)).status).toBe(404);
    expect((await stranger.api.get(`/v1/sessions/${sessionId}/pdf`)).status).toBe(404);
  });
});

describe('insights and the PDF', () => {
  it('keeps insights on the session: the NPS category, the choice, keywords and sentiment', async () => {
    const session = (await api.get(`/v1/sessions/${sessionId}`)).body;
    expect(session.sentiment.overall).toBe('positive');
    const row = await t.db.kysely.selectFrom('sessions').select('analysis').where('id', '=', sessionId).executeTakeFirstOrThrow();
    const insights = typeof row.analysis === 'string' ? JSON.parse(row.analysis) : row.analysis;
    expect(insights.ratings).toEqual([expect.objectContaining({ questionId: 'q2', value: 9, npsCategory: 'promoter' })]);
    expect(insights.choices).toEqual([expect.objectContaining({ questionId: 'q3', value: 'Pro' })]);
    expect(insights.topKeywords.length).toBeGreaterThan(0);
  });

  it('exports a PDF that parses, with participant text as text', async () => {
    const res = await get(`/v1/sessions/${sessionId}/pdf?branding=custom`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toMatch(/^attachment;/);
    const pdf = await getDocumentProxy(new Uint8Array(res.rawPayload));
    const { text } = await extractText(pdf, { mergePages: true });
    expect(text).toContain('Onboarding study');
    expect(text).toContain('Acme <Research>');
    expect(text).toContain('<script>alert(1)</script>');
    expect(text).toMatch(/promoter/i);
    const minimal = await get(`/v1/sessions/${sessionId}/pdf?branding=minimal&include_insights=false&include_timestamps=false`);
    const { text: bare } = await extractText(await getDocumentProxy(new Uint8Array(minimal.rawPayload)), { mergePages: true });
    expect(bare).not.toContain('Acme <Research>');
    expect(bare).not.toMatch(/promoter/i);
    expect(bare).not.toMatch(/\b00:20\b/);
    expect((await get(`/v1/sessions/${sessionId}/pdf?branding=neon`)).statusCode).toBe(400);
  });
});
