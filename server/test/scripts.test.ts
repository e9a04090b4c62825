import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, createTestApp, type Api, type ApiResponse, type TestApp } from './app.js';
import { createCampaign, createPublishedScript, createScript, scriptBody } from './fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const defaultFollowUp = { enabled: false, maxFollowUps: 2, prompt: null };

/** The field paths a validation error names. */
const fieldPaths = (res: ApiResponse) => (res.body.error.details.fields as { path: string }[]).map((f) => f.path);

async function scriptTotal(api: Api): Promise<number> {
  const res = await api.get('/v1/scripts');
  expect(res.status, res.raw).toBe(200);
  return res.body.pagination.total;
}

/** A key of the same organization holding only `scopes`, made through the API. */
async function keyWith(api: Api, scopes: string[]): Promise<Api> {
  const res = await api.post('/v1/api-keys', { name: 'limited', scopes });
  expect(res.status, res.raw).toBe(201);
  return apiClient(t.app, res.body.key);
}

describe('creating a script', () => {
  it('creates a draft at version 1 with every question default filled in', async () => {
    const { api } = await t.newOrg();
    const res = await api.post('/v1/scripts', scriptBody());
    expect(res.status, res.raw).toBe(201);
    const script = res.body;
    expect(script.id).toMatch(/^scr_[0-9A-Za-z]+$/);
    expect(script).toMatchObject({
      name: 'Customer Satisfaction Script',
      description: null,
      projectId: null,
      status: 'draft',
      version: 1,
      publishedVersion: null,
      hasUnpublishedChanges: true,
      systemPrompt: 'You are a friendly interviewer conducting a customer satisfaction survey.',
      settings: { maxFollowUps: 2, language: 'en' },
    });
    expect(Date.parse(script.createdAt)).not.toBeNaN();
    // Strict: options appear only on multiple_choice, scale only on rating.
    expect(script.questions).toStrictEqual([
      {
        id: 'q1',
        text: 'Tell me about your experience using our product.',
        type: 'open',
        required: true,
        followUp: { enabled: true, maxFollowUps: 2, prompt: 'Dig deeper into their specific experience' },
        maxDuration: null,
        order: 1,
      },
      {
        id: 'q2',
        text: 'How likely are you to recommend us?',
        type: 'rating',
        required: true,
        followUp: defaultFollowUp,
        maxDuration: null,
        order: 2,
        scale: { min: 1, max: 10 },
      },
      {
        id: 'q3',
        text: 'Which plan are you on?',
        type: 'multiple_choice',
        required: true,
        followUp: defaultFollowUp,
        maxDuration: null,
        order: 3,
        options: ['Free', 'Pro', 'Enterprise'],
      },
      {
        id: 'q4',
        text: 'Would you join a follow-up study?',
        type: 'yes_no',
        required: false,
        followUp: defaultFollowUp,
        maxDuration: null,
        order: 4,
      },
    ]);

    const got = await api.get(`/v1/scripts/${script.id}`);
    expect(got.status).toBe(200);
    expect(got.body.questions).toStrictEqual(script.questions);
  });

  it('sorts questions by explicit order and places the others after the highest order so far', async () => {
    const { api } = await t.newOrg();
    const script = await createScript(api, {
      questions: [
        { id: 'a', text: 'A?', type: 'open', order: 30, maxDuration: 120, followUp: { enabled: true } },
        { id: 'b', text: 'B?', type: 'rating', scale: { min: 0, max: 5 } },
        { id: 'c', text: 'C?', type: 'yes_no', order: 10 },
        { id: 'd', text: 'D?', type: 'open', order: 20 },
      ],
    });
    expect(script.questions.map((q: { id: string; order: number }) => [q.id, q.order])).toEqual([
      ['c', 10],
      ['d', 20],
      ['a', 30],
      ['b', 31],
    ]);
    const [, , a, b] = script.questions;
    expect(a).toMatchObject({ maxDuration: 120, followUp: { enabled: true, maxFollowUps: 2, prompt: null } });
    expect(b.scale).toEqual({ min: 0, max: 5 });
  });

  it('assigns the script to a project of the organization, and refuses a project of another one', async () => {
    const { api } = await t.newOrg();
    const other = await t.newOrg();
    const project = (await api.post('/v1/projects', { name: 'Research' })).body;
    const foreign = (await other.api.post('/v1/projects', { name: 'Theirs' })).body;

    const script = await createScript(api, { projectId: project.id, description: 'For Q1' });
    expect(script).toMatchObject({ projectId: project.id, description: 'For Q1' });

    const refused = await api.post('/v1/scripts', scriptBody({ projectId: foreign.id }));
    expect(refused.status).toBe(404);
    expect(refused.body.error.code).toBe('RESOURCE_NOT_FOUND');
    expect(await scriptTotal(api)).toBe(1);
  });
});

describe('question and script validation', () => {
  const open = { id: 'q1', text: 'Tell me more.', type: 'open' };
  const invalid: { name: string; body: Record<string, unknown>; path: string }[] = [
    { name: 'duplicate question ids', body: { questions: [open, { ...open, text: 'Again?' }] }, path: 'questions.1.id' },
    { name: 'multiple_choice without options', body: { questions: [{ ...open, type: 'multiple_choice' }] }, path: 'questions.0.options' },
    { name: 'options on an open question', body: { questions: [{ ...open, options: ['A', 'B'] }] }, path: 'questions.0.options' },
    {
      name: 'duplicate options',
      body: { questions: [{ ...open, type: 'multiple_choice', options: ['Yes', 'yes'] }] },
      path: 'questions.0.options',
    },
    { name: 'a scale on an open question', body: { questions: [{ ...open, scale: { min: 1, max: 5 } }] }, path: 'questions.0.scale' },
    {
      name: 'follow-ups on a closed question',
      body: { questions: [{ ...open, type: 'yes_no', followUp: { enabled: true } }] },
      path: 'questions.0.followUp.enabled',
    },
    {
      name: 'a scale whose max is not above its min',
      body: { questions: [{ ...open, type: 'rating', scale: { min: 5, max: 5 } }] },
      path: 'questions.0.scale',
    },
    { name: 'an unknown question type', body: { questions: [{ ...open, type: 'essay' }] }, path: 'questions.0.type' },
    { name: 'question text over 2000 characters', body: { questions: [{ ...open, text: 'x'.repeat(2001) }] }, path: 'questions.0.text' },
    { name: 'a name over 100 characters', body: { name: 'n'.repeat(101) }, path: 'name' },
    { name: 'an empty system prompt', body: { systemPrompt: '   ' }, path: 'systemPrompt' },
  ];

  it.each(invalid)('refuses $name with 422 and creates nothing', async ({ body, path }) => {
    const { api } = await t.newOrg();
    const res = await api.post('/v1/scripts', scriptBody(body));
    expect(res.status, res.raw).toBe(422);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(fieldPaths(res)).toContain(path);
    expect(await scriptTotal(api)).toBe(0);
  });

  it('refuses an unknown question field, naming it', async () => {
    const { api } = await t.newOrg();
    const res = await api.post('/v1/scripts', scriptBody({ questions: [{ ...open, hint: 'psst' }] }));
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(fieldPaths(res)).toContain('questions.0');
    expect(res.body.error.message).toContain('hint');
    expect(await scriptTotal(api)).toBe(0);
  });

  it('answers 400 when a required field is missing', async () => {
    const { api } = await t.newOrg();
    const { systemPrompt: _prompt, ...noPrompt } = scriptBody();
    const res = await api.post('/v1/scripts', noPrompt);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_REQUEST');
    expect(fieldPaths(res)).toEqual(['systemPrompt']);

    const { questions: _questions, ...noQuestions } = scriptBody();
    const res2 = await api.post('/v1/scripts', noQuestions);
    expect(res2.status).toBe(400);
    expect(fieldPaths(res2)).toEqual(['questions']);
    expect(await scriptTotal(api)).toBe(0);
  });
});

describe('listing scripts', () => {
  it('filters by project, status and name, and paginates newest first', async () => {
    const { api } = await t.newOrg();
    const project = (await api.post('/v1/projects', { name: 'Growth' })).body;
    const make = async (name: string, overrides: Record<string, unknown> = {}) => {
      t.clock.advance(1000);
      return createScript(api, { name, ...overrides });
    };
    const onboarding = await make('Onboarding Interview', { projectId: project.id });
    const churnPct = await make('Churn 100% survey');
    const churnPlain = await make('Churn 100 people');
    const pricingUnderscore = await make('Pricing_v2 study');
    const pricingSpace = await make('Pricing v2 study', { projectId: project.id });
    expect((await api.post(`/v1/scripts/${churnPct.id}/publish`)).status).toBe(200);
    expect((await api.patch(`/v1/scripts/${pricingSpace.id}`, { status: 'archived' })).status).toBe(200);

    const ids = async (query: string) => {
      const res = await api.get(`/v1/scripts${query}`);
      expect(res.status, res.raw).toBe(200);
      return res.body.data.map((s: { id: string }) => s.id);
    };
    expect(await ids('')).toEqual([pricingSpace.id, pricingUnderscore.id, churnPlain.id, churnPct.id, onboarding.id]);
    expect(await ids(`?projectId=${project.id}`)).toEqual([pricingSpace.id, onboarding.id]);
    expect(await ids('?status=published')).toEqual([churnPct.id]);
    expect(await ids('?status=archived')).toEqual([pricingSpace.id]);
    expect(await ids('?status=draft')).toEqual([pricingUnderscore.id, churnPlain.id, onboarding.id]);
    expect(await ids(`?status=draft&projectId=${project.id}`)).toEqual([onboarding.id]);

    expect(await ids('?search=oNbOaRd')).toEqual([onboarding.id]);
    expect(await ids('?search=churn')).toEqual([churnPlain.id, churnPct.id]);
    // '%' and '_' are literal characters, not LIKE wildcards.
    expect(await ids(`?search=${encodeURIComponent('100%')}`)).toEqual([churnPct.id]);
    expect(await ids(`?search=${encodeURIComponent('%')}`)).toEqual([churnPct.id]);
    expect(await ids('?search=pricing_v2')).toEqual([pricingUnderscore.id]);
    expect(await ids('?search=_')).toEqual([pricingUnderscore.id]);
    expect(await ids('?search=nothing-like-this')).toEqual([]);

    const first = await api.get('/v1/scripts?limit=2');
    expect(first.body.pagination).toEqual({ total: 5, limit: 2, offset: 0, hasMore: true });
    expect(first.body.data.map((s: { id: string }) => s.id)).toEqual([pricingSpace.id, pricingUnderscore.id]);
    const last = await api.get('/v1/scripts?limit=2&offset=4');
    expect(last.body.pagination).toEqual({ total: 5, limit: 2, offset: 4, hasMore: false });
    expect(last.body.data.map((s: { id: string }) => s.id)).toEqual([onboarding.id]);
    const filteredPage = await api.get('/v1/scripts?search=churn&limit=1');
    expect(filteredPage.body.pagination).toEqual({ total: 2, limit: 1, offset: 0, hasMore: true });
  });

  it('refuses an unknown status filter or a bad limit with 400', async () => {
    const { api } = await t.newOrg();
    const status = await api.get('/v1/scripts?status=deleted');
    expect(status.status).toBe(400);
    expect(status.body.error.code).toBe('INVALID_REQUEST');
    expect((await api.get('/v1/scripts?limit=0')).status).toBe(400);
  });
});

describe('reading a script', () => {
  it('includes its versions, newest first', async () => {
    const { api } = await t.newOrg();
    const script = await createPublishedScript(api);
    expect((await api.patch(`/v1/scripts/${script.id}`, { systemPrompt: 'Be brief.' })).status).toBe(200);

    const res = await api.get(`/v1/scripts/${script.id}`);
    expect(res.status).toBe(200);
    expect(res.body.versions).toStrictEqual([
      { version: 2, status: 'draft', changelog: null, createdAt: expect.any(String), publishedAt: null },
      { version: 1, status: 'published', changelog: null, createdAt: expect.any(String), publishedAt: expect.any(String) },
    ]);
    expect(Date.parse(res.body.versions[1].publishedAt)).not.toBeNaN();
  });

  it('answers 404 for a script that does not exist', async () => {
    const { api } = await t.newOrg();
    const res = await api.get('/v1/scripts/scr_doesnotexist0000');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('RESOURCE_NOT_FOUND');
  });
});

describe('updating a script', () => {
  it('changes name and description in place, without a new version', async () => {
    const { api } = await t.newOrg();
    const draft = await createScript(api);
    const renamed = await api.patch(`/v1/scripts/${draft.id}`, { name: 'Renamed', description: 'Now described' });
    expect(renamed.status, renamed.raw).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Renamed', description: 'Now described', version: 1 });
    expect(renamed.body.versions).toHaveLength(1);

    const published = await createPublishedScript(api);
    const project = (await api.post('/v1/projects', { name: 'Home' })).body;
    const res = await api.patch(`/v1/scripts/${published.id}`, { name: 'Published, renamed', projectId: project.id });
    expect(res.body).toMatchObject({
      name: 'Published, renamed',
      projectId: project.id,
      version: 1,
      publishedVersion: 1,
      hasUnpublishedChanges: false,
    });
    expect(res.body.versions).toHaveLength(1);
    const unassigned = await api.patch(`/v1/scripts/${published.id}`, { projectId: null });
    expect(unassigned.body).toMatchObject({ projectId: null, version: 1 });
  });

  it('edits the draft version in place while the script is unpublished', async () => {
    const { api } = await t.newOrg();
    const script = await createScript(api);
    const res = await api.patch(`/v1/scripts/${script.id}`, {
      systemPrompt: 'A new persona.',
      questions: [{ id: 'only', text: 'Only question?', type: 'open' }],
    });
    expect(res.status, res.raw).toBe(200);
    expect(res.body).toMatchObject({ version: 1, status: 'draft', systemPrompt: 'A new persona.', settings: script.settings });
    expect(res.body.questions.map((q: { id: string }) => q.id)).toEqual(['only']);
    expect(res.body.versions).toHaveLength(1);
    const v1 = await api.get(`/v1/scripts/${script.id}/versions/1`);
    expect(v1.body.systemPrompt).toBe('A new persona.');
  });

  it('opens a new draft version after publishing, while campaigns keep the version they pinned', async () => {
    const { api } = await t.newOrg();
    const script = await createPublishedScript(api);
    const before = await createCampaign(api, { scriptId: script.id });
    expect(before.scriptVersion).toBe(1);

    const newQuestions = [{ id: 'n1', text: 'What changed for you?', type: 'open' }];
    const res = await api.patch(`/v1/scripts/${script.id}`, { questions: newQuestions });
    expect(res.status, res.raw).toBe(200);
    expect(res.body).toMatchObject({ version: 2, status: 'published', publishedVersion: 1, hasUnpublishedChanges: true });
    expect(res.body.questions.map((q: { id: string }) => q.id)).toEqual(['n1']);
    // The other content is carried over into the new version.
    expect(res.body.systemPrompt).toBe(script.systemPrompt);
    expect(res.body.settings).toEqual(script.settings);

    // A second content change edits the new draft; it does not open a third version.
    const again = await api.patch(`/v1/scripts/${script.id}`, { settings: { language: 'de' } });
    expect(again.body).toMatchObject({ version: 2, settings: { language: 'de' } });

    const v1 = await api.get(`/v1/scripts/${script.id}/versions/1`);
    expect(v1.body.questions).toStrictEqual(script.questions);
    expect(v1.body.settings).toEqual(script.settings);

    // Until v2 is published, new campaigns still pin v1.
    expect((await createCampaign(api, { scriptId: script.id })).scriptVersion).toBe(1);
    expect((await api.post(`/v1/scripts/${script.id}/publish`)).body).toMatchObject({ publishedVersion: 2, hasUnpublishedChanges: false });
    const after = await createCampaign(api, { scriptId: script.id });
    expect(after.scriptVersion).toBe(2);
    expect((await api.get(`/v1/campaigns/${before.id}`)).body.scriptVersion).toBe(1);
    expect((await api.get(`/v1/campaigns/${after.id}`)).body.scriptVersion).toBe(2);
  });

  it('carries the questions over when only the prompt of a published script changes', async () => {
    const { api } = await t.newOrg();
    const script = await createPublishedScript(api);
    const res = await api.patch(`/v1/scripts/${script.id}`, { systemPrompt: 'Only the prompt changed.' });
    expect(res.status, res.raw).toBe(200);
    expect(res.body).toMatchObject({ version: 2, systemPrompt: 'Only the prompt changed.' });
    expect(res.body.questions).toStrictEqual(script.questions);
    expect((await api.get(`/v1/scripts/${script.id}/versions/2`)).body.questions).toStrictEqual(script.questions);
  });

  it('accepts PUT like PATCH', async () => {
    const { api } = await t.newOrg();
    const script = await createPublishedScript(api);
    const res = await api.put(`/v1/scripts/${script.id}`, { name: 'Via PUT', systemPrompt: 'PUT prompt' });
    expect(res.status, res.raw).toBe(200);
    expect(res.body).toMatchObject({ name: 'Via PUT', systemPrompt: 'PUT prompt', version: 2, publishedVersion: 1 });
  });

  it('refuses invalid changes and leaves the script as it was', async () => {
    const { api } = await t.newOrg();
    const script = await createPublishedScript(api);
    const badQuestion = await api.patch(`/v1/scripts/${script.id}`, {
      name: 'Should not stick',
      questions: [{ id: 'x', text: 'Pick one', type: 'multiple_choice' }],
    });
    expect(badQuestion.status).toBe(422);
    expect(fieldPaths(badQuestion)).toContain('questions.0.options');
    const unknown = await api.patch(`/v1/scripts/${script.id}`, { owner: 'me' });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.message).toContain('owner');

    const res = await api.get(`/v1/scripts/${script.id}`);
    expect(res.body).toMatchObject({ name: script.name, version: 1, hasUnpublishedChanges: false });
    expect(res.body.questions).toStrictEqual(script.questions);
  });
});

describe('script status', () => {
  it('archives a script, which no new campaign can use, and restores it', async () => {
    const { api } = await t.newOrg();
    const script = await createPublishedScript(api);
    const archived = await api.patch(`/v1/scripts/${script.id}`, { status: 'archived' });
    expect(archived.status, archived.raw).toBe(200);
    expect(archived.body).toMatchObject({ status: 'archived', publishedVersion: 1 });

    const refused = await api.post('/v1/campaigns', { name: 'Late', scriptId: script.id });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('VALIDATION_ERROR');
    expect((await api.get('/v1/campaigns')).body.pagination.total).toBe(0);

    const restored = await api.patch(`/v1/scripts/${script.id}`, { status: 'published' });
    expect(restored.status, restored.raw).toBe(200);
    expect(restored.body).toMatchObject({ status: 'published', publishedVersion: 1 });
    expect((await createCampaign(api, { scriptId: script.id })).scriptVersion).toBe(1);
  });

  it('restores an archived draft only as a draft', async () => {
    const { api } = await t.newOrg();
    const script = await createScript(api);
    expect((await api.patch(`/v1/scripts/${script.id}`, { status: 'archived' })).body.status).toBe('archived');
    const asPublished = await api.patch(`/v1/scripts/${script.id}`, { status: 'published' });
    expect(asPublished.status).toBe(422);
    expect((await api.patch(`/v1/scripts/${script.id}`, { status: 'draft' })).body.status).toBe('draft');
  });

  it('does not publish a draft through PATCH, nor turn a published script back into a draft', async () => {
    const { api } = await t.newOrg();
    const draft = await createScript(api);
    const res = await api.patch(`/v1/scripts/${draft.id}`, { status: 'published' });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(fieldPaths(res)).toEqual(['status']);
    expect((await api.get(`/v1/scripts/${draft.id}`)).body).toMatchObject({ status: 'draft', publishedVersion: null });

    const published = await createPublishedScript(api);
    expect((await api.patch(`/v1/scripts/${published.id}`, { status: 'draft' })).status).toBe(422);
    expect((await api.get(`/v1/scripts/${published.id}`)).body.status).toBe('published');
  });
});

describe('publishing', () => {
  it('publishes the latest version', async () => {
    const { api } = await t.newOrg();
    const script = await createScript(api);
    const res = await api.post(`/v1/scripts/${script.id}/publish`);
    expect(res.status, res.raw).toBe(200);
    expect(res.body).toMatchObject({ status: 'published', version: 1, publishedVersion: 1, hasUnpublishedChanges: false });
    expect(res.body.versions[0]).toMatchObject({ version: 1, status: 'published', publishedAt: expect.any(String) });
  });

  it('refuses to publish a script without questions', async () => {
    const { api } = await t.newOrg();
    const script = await createScript(api, { questions: [] });
    const res = await api.post(`/v1/scripts/${script.id}/publish`);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(fieldPaths(res)).toEqual(['questions']);
    expect((await api.get(`/v1/scripts/${script.id}`)).body).toMatchObject({ status: 'draft', publishedVersion: null });
  });

  it('changes nothing when the script is already published', async () => {
    const { api } = await t.newOrg();
    const script = await createPublishedScript(api);
    t.clock.advance(60_000);
    const again = await api.post(`/v1/scripts/${script.id}/publish`);
    expect(again.status).toBe(200);
    expect(again.body).toStrictEqual(script);
  });

  it('cannot be used by a campaign before it is published', async () => {
    const { api } = await t.newOrg();
    const script = await createScript(api);
    const res = await api.post('/v1/campaigns', { name: 'Too early', scriptId: script.id });
    expect(res.status).toBe(422);
    expect(fieldPaths(res)).toEqual(['scriptId']);
  });
});

describe('versions', () => {
  it('creates numbered versions with a changelog, optionally published at once', async () => {
    const { api } = await t.newOrg();
    const script = await createPublishedScript(api);

    const v2 = await api.post(`/v1/scripts/${script.id}/versions`, {
      changelog: 'Reworded the opening question',
      questions: [{ id: 'q1', text: 'How has the product changed your work?', type: 'open' }],
    });
    expect(v2.status, v2.raw).toBe(201);
    expect(v2.body).toMatchObject({ version: 2, publishedVersion: 1, status: 'published', hasUnpublishedChanges: true });
    expect(v2.body.versions[0]).toMatchObject({ version: 2, status: 'draft', changelog: 'Reworded the opening question' });

    const v3 = await api.post(`/v1/scripts/${script.id}/versions`, { changelog: 'New persona', systemPrompt: 'Be warm.', publish: true });
    expect(v3.status, v3.raw).toBe(201);
    expect(v3.body).toMatchObject({ version: 3, publishedVersion: 3, status: 'published', hasUnpublishedChanges: false, systemPrompt: 'Be warm.' });
    // Fields not given are taken from the version before.
    expect(v3.body.questions).toStrictEqual(v2.body.questions);

    const list = await api.get(`/v1/scripts/${script.id}/versions`);
    expect(list.status).toBe(200);
    expect(list.body.data.map((v: { version: number; status: string }) => [v.version, v.status])).toEqual([
      [3, 'published'],
      [2, 'draft'],
      [1, 'published'],
    ]);
    expect(list.body.data[2]).toMatchObject({ scriptId: script.id, systemPrompt: script.systemPrompt, questions: script.questions });

    const one = await api.get(`/v1/scripts/${script.id}/versions/2`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      version: 2,
      scriptId: script.id,
      changelog: 'Reworded the opening question',
      systemPrompt: script.systemPrompt,
      settings: script.settings,
      publishedAt: null,
    });
    expect(one.body.questions).toStrictEqual(v2.body.questions);

    expect((await createCampaign(api, { scriptId: script.id })).scriptVersion).toBe(3);
  });

  it('answers 404 for an unknown version and 400 for a malformed one', async () => {
    const { api } = await t.newOrg();
    const script = await createScript(api);
    const missing = await api.get(`/v1/scripts/${script.id}/versions/9`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('RESOURCE_NOT_FOUND');
    expect((await api.get(`/v1/scripts/${script.id}/versions/latest`)).status).toBe(400);
  });

  it('refuses to publish a version without questions, and creates none', async () => {
    const { api } = await t.newOrg();
    const script = await createPublishedScript(api);
    const res = await api.post(`/v1/scripts/${script.id}/versions`, { questions: [], publish: true });
    expect(res.status).toBe(422);
    const after = await api.get(`/v1/scripts/${script.id}`);
    expect(after.body).toMatchObject({ version: 1, publishedVersion: 1 });
    expect(after.body.versions).toHaveLength(1);
  });
});

describe('deleting a script', () => {
  it('deletes a script, which is then not found', async () => {
    const { api } = await t.newOrg();
    const script = await createScript(api);
    const res = await api.delete(`/v1/scripts/${script.id}`);
    expect(res.status).toBe(204);
    expect(res.raw).toBe('');
    expect((await api.get(`/v1/scripts/${script.id}`)).status).toBe(404);
    expect((await api.delete(`/v1/scripts/${script.id}`)).status).toBe(404);
    expect(await scriptTotal(api)).toBe(0);
  });

  it('refuses while an active campaign uses it, and succeeds once the campaign is paused', async () => {
    const { api } = await t.newOrg();
    const script = await createPublishedScript(api);
    const campaign = await createCampaign(api, { scriptId: script.id });

    const refused = await api.delete(`/v1/scripts/${script.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('RESOURCE_CONFLICT');
    expect(refused.body.error.details).toEqual({ activeCampaigns: 1 });
    expect((await api.get(`/v1/scripts/${script.id}`)).status).toBe(200);

    expect((await api.patch(`/v1/campaigns/${campaign.id}`, { status: 'paused' })).status).toBe(200);
    expect((await api.delete(`/v1/scripts/${script.id}`)).status).toBe(204);
    expect((await api.get(`/v1/scripts/${script.id}`)).status).toBe(404);

    const kept = await api.get(`/v1/campaigns/${campaign.id}`);
    expect(kept.status).toBe(200);
    expect(kept.body).toMatchObject({ scriptId: script.id, scriptVersion: 1, status: 'paused' });
    expect((await api.post('/v1/campaigns', { name: 'New', scriptId: script.id })).status).toBe(404);
  });
});

describe('concurrent changes', () => {
  it('opens one draft version when several edits of a published script arrive together', async () => {
    const { api } = await t.newOrg();
    const script = await createPublishedScript(api);
    const edits = await Promise.all([1, 2, 3, 4].map((n) => api.patch(`/v1/scripts/${script.id}`, { systemPrompt: `Edit ${n}` })));
    for (const edit of edits) expect(edit.status, edit.raw).toBe(200);

    const after = await api.get(`/v1/scripts/${script.id}`);
    expect(after.body.versions.map((v: { version: number; status: string }) => [v.version, v.status])).toEqual([
      [2, 'draft'],
      [1, 'published'],
    ]);
    expect((await api.get(`/v1/scripts/${script.id}/versions/1`)).body.systemPrompt).toBe(script.systemPrompt);
  });

  it('never changes a version that a concurrent publish has just published', async () => {
    const { api } = await t.newOrg();
    for (let round = 0; round < 20; round++) {
      const script = await createScript(api);
      const prompt = `Edited in round ${round}`;
      const [edited, published] = await Promise.all([
        api.patch(`/v1/scripts/${script.id}`, { systemPrompt: prompt }),
        api.post(`/v1/scripts/${script.id}/publish`),
      ]);
      expect(edited.status, edited.raw).toBe(200);
      expect(published.status, published.raw).toBe(200);
      const v1 = (await api.get(`/v1/scripts/${script.id}/versions/1`)).body;
      // The edit either went into the draft before it was published, or opened version 2.
      expect(v1.systemPrompt).toBe(edited.body.version === 1 ? prompt : script.systemPrompt);
      // What the publish answered as version 1 is what version 1 still holds.
      if (published.body.version === 1) expect(v1.systemPrompt).toBe(published.body.systemPrompt);
    }
  });
});

describe('export and import', () => {
  it('exports the latest version as an attachment, or an older one on request', async () => {
    const { api } = await t.newOrg();
    const script = await createPublishedScript(api, { description: 'Exported' });
    const v2 = (await api.patch(`/v1/scripts/${script.id}`, { questions: [{ id: 'z', text: 'Anything else?', type: 'open' }] })).body;

    const res = await api.get(`/v1/scripts/${script.id}/export`);
    expect(res.status, res.raw).toBe(200);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="${script.id}-v2.json"`);
    expect(res.body).toStrictEqual({
      format: 'parley.script',
      formatVersion: 1,
      exportedAt: expect.any(String),
      source: { scriptId: script.id, version: 2 },
      script: {
        name: script.name,
        description: 'Exported',
        systemPrompt: script.systemPrompt,
        questions: v2.questions,
        settings: script.settings,
      },
    });

    const old = await api.get(`/v1/scripts/${script.id}/export?version=1`);
    expect(old.status).toBe(200);
    expect(old.headers['content-disposition']).toBe(`attachment; filename="${script.id}-v1.json"`);
    expect(old.body.source).toEqual({ scriptId: script.id, version: 1 });
    expect(old.body.script.questions).toStrictEqual(script.questions);

    expect((await api.get(`/v1/scripts/${script.id}/export?version=7`)).status).toBe(404);
  });

  it('imports an export as a new draft script with the same content', async () => {
    const { api } = await t.newOrg();
    const script = await createPublishedScript(api, { description: 'Round trip' });
    const doc = (await api.get(`/v1/scripts/${script.id}/export`)).body;

    const imported = await api.post('/v1/scripts/import', doc);
    expect(imported.status, imported.raw).toBe(201);
    expect(imported.body.id).toMatch(/^scr_/);
    expect(imported.body.id).not.toBe(script.id);
    expect(imported.body).toMatchObject({
      name: script.name,
      description: 'Round trip',
      projectId: null,
      status: 'draft',
      version: 1,
      publishedVersion: null,
      systemPrompt: script.systemPrompt,
      settings: script.settings,
    });
    expect(imported.body.questions).toStrictEqual(script.questions);
    expect(await scriptTotal(api)).toBe(2);
  });

  it('imports into another organization, with a new name and project', async () => {
    const source = await t.newOrg();
    const target = await t.newOrg();
    const script = await createScript(source.api);
    const doc = (await source.api.get(`/v1/scripts/${script.id}/export`)).body;
    const project = (await target.api.post('/v1/projects', { name: 'Imported work' })).body;

    const res = await target.api.post('/v1/scripts/import', { ...doc, name: 'Imported copy', projectId: project.id });
    expect(res.status, res.raw).toBe(201);
    expect(res.body).toMatchObject({ name: 'Imported copy', projectId: project.id, status: 'draft' });
    expect(res.body.questions).toStrictEqual(script.questions);
    expect((await target.api.get(`/v1/scripts?projectId=${project.id}`)).body.pagination.total).toBe(1);
  });

  it('refuses a document that is not a Parley script export, and creates nothing', async () => {
    const { api } = await t.newOrg();
    const script = await createScript(api);
    const doc = (await api.get(`/v1/scripts/${script.id}/export`)).body;

    const wrongFormat = await api.post('/v1/scripts/import', { ...doc, format: 'other.script' });
    expect(wrongFormat.status).toBe(422);
    expect(fieldPaths(wrongFormat)).toContain('format');
    const wrongVersion = await api.post('/v1/scripts/import', { ...doc, formatVersion: 2 });
    expect(wrongVersion.status).toBe(422);
    const { script: _script, ...noScript } = doc;
    const missing = await api.post('/v1/scripts/import', noScript);
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('INVALID_REQUEST');
    const badQuestions = await api.post('/v1/scripts/import', {
      ...doc,
      script: { ...doc.script, questions: [{ id: 'q', text: 'Pick', type: 'multiple_choice' }] },
    });
    expect(badQuestions.status).toBe(422);
    expect(fieldPaths(badQuestions)).toContain('script.questions.0.options');
    expect(await scriptTotal(api)).toBe(1);
  });
});

describe('permissions', () => {
  it('lets a campaigns:read key read but not change scripts', async () => {
    const { api } = await t.newOrg();
    const script = await createPublishedScript(api);
    const reader = await keyWith(api, ['campaigns:read']);

    expect((await reader.get('/v1/scripts')).status).toBe(200);
    expect((await reader.get(`/v1/scripts/${script.id}`)).status).toBe(200);
    expect((await reader.get(`/v1/scripts/${script.id}/versions`)).status).toBe(200);
    expect((await reader.get(`/v1/scripts/${script.id}/export`)).status).toBe(200);

    const attempts = [
      reader.post('/v1/scripts', scriptBody()),
      reader.patch(`/v1/scripts/${script.id}`, { name: 'nope' }),
      reader.put(`/v1/scripts/${script.id}`, { name: 'nope' }),
      reader.delete(`/v1/scripts/${script.id}`),
      reader.post(`/v1/scripts/${script.id}/publish`),
      reader.post(`/v1/scripts/${script.id}/versions`, { changelog: 'nope' }),
      reader.post('/v1/scripts/import', { format: 'parley.script' }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status, res.raw).toBe(403);
      expect(res.body.error.code).toBe('INSUFFICIENT_PERMISSIONS');
    }
    const after = await api.get(`/v1/scripts/${script.id}`);
    expect(after.body).toMatchObject({ name: script.name, version: 1 });
    expect(await scriptTotal(api)).toBe(1);
  });

  it('refuses a key without campaigns:read', async () => {
    const { api } = await t.newOrg();
    const script = await createScript(api);
    const other = await keyWith(api, ['invites:read']);
    const list = await other.get('/v1/scripts');
    expect(list.status).toBe(403);
    expect(list.body.error.code).toBe('INSUFFICIENT_PERMISSIONS');
    expect((await other.get(`/v1/scripts/${script.id}`)).status).toBe(403);
  });

  it('refuses a request without a key', async () => {
    const res = await apiClient(t.app).get('/v1/scripts');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('INVALID_API_KEY');
  });
});

describe('organizations', () => {
  it("answers 404 for another organization's script on every route and changes nothing", async () => {
    const owner = await t.newOrg();
    const stranger = await t.newOrg();
    const script = await createPublishedScript(owner.api);
    const id = script.id;

    const attempts = await Promise.all([
      stranger.api.get(`/v1/scripts/${id}`),
      stranger.api.patch(`/v1/scripts/${id}`, { name: 'hijack' }),
      stranger.api.put(`/v1/scripts/${id}`, { name: 'hijack' }),
      stranger.api.delete(`/v1/scripts/${id}`),
      stranger.api.post(`/v1/scripts/${id}/publish`),
      stranger.api.post(`/v1/scripts/${id}/versions`, { changelog: 'hijack' }),
      stranger.api.get(`/v1/scripts/${id}/versions`),
      stranger.api.get(`/v1/scripts/${id}/versions/1`),
      stranger.api.get(`/v1/scripts/${id}/export`),
      stranger.api.post('/v1/campaigns', { name: 'Borrowed', scriptId: id }),
    ]);
    for (const res of attempts) {
      expect(res.status, res.raw).toBe(404);
      expect(res.body.error.code).toBe('RESOURCE_NOT_FOUND');
    }
    expect((await stranger.api.get('/v1/scripts')).body.data).toEqual([]);

    const after = await owner.api.get(`/v1/scripts/${id}`);
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({ name: script.name, version: 1, publishedVersion: 1 });
    expect(after.body.versions).toHaveLength(1);
  });
});
