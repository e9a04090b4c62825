import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../src/core/ids.js';
import { createAnswerStore, createSessionRepository } from '../src/modules/sessions/session.repository.js';
import { createTestApp, type TestApp } from './app.js';
import { createCampaign, createPublishedScript } from './fixtures.js';
import { participantBrowser } from './participant.js';

/**
 * The hot path's store (prepared statements on SQLite, Kysely on PostgreSQL): the same
 * compare-and-set and the same all-or-nothing save on both.
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

async function startedSession() {
  const { api } = await t.newOrg();
  const script = await createPublishedScript(api, { questions: [{ id: 'q1', text: 'Anything to add?', type: 'open', followUp: { enabled: false } }] });
  const campaign = await createCampaign(api, { scriptId: script.id });
  const invite = (await api.post(`/v1/campaigns/${campaign.id}/invites`, { name: 'Noor', sendEmail: false })).body;
  const p = participantBrowser(t);
  const id = (await p.start(invite.token)).body.session.id as string;
  return { id, p };
}

function line(sessionId: string, seq: number, text: string) {
  const at = t.clock.now().toISOString();
  return {
    id: newId('utt'), session_id: sessionId, seq, speaker: 'participant', question_id: 'q1', kind: 'answer', text,
    value: JSON.stringify({ value: text }), start_ms: 0, end_ms: 10, sentiment: null, keywords: null, created_at: at,
  };
}

describe('the answer store', () => {
  it('reads a session as the repository does', async () => {
    const { id } = await startedSession();
    const store = createAnswerStore(t.db);
    expect(await store.find(id)).toEqual(await createSessionRepository(t.db.kysely).findById(id));
    expect(await store.find('ses_00000000000000000000')).toBeUndefined();
  });

  it('saves the new position and the lines together, only from the position it expects', async () => {
    const { id } = await startedSession();
    const store = createAnswerStore(t.db);
    const repo = createSessionRepository(t.db.kysely);
    const before = (await repo.findById(id))!;
    const expected = { status: before.status, step_index: before.step_index, follow_ups: before.follow_ups };
    const patch = { step_index: 1, questions_answered: 1, utterance_count: 1, updated_at: t.clock.now().toISOString() };

    expect(await store.save(id, { ...expected, step_index: 5 }, patch, [line(id, 1, 'stale')])).toBe(false);
    expect(await repo.utterances(id)).toEqual([]);
    expect((await repo.findById(id))!.step_index).toBe(0);

    expect(await store.save(id, expected, patch, [line(id, 1, 'first')])).toBe(true);
    expect((await repo.utterances(id)).map((u) => u.text)).toEqual(['first']);
    expect((await repo.findById(id))!).toMatchObject({ step_index: 1, questions_answered: 1, utterance_count: 1 });
    // The same expectation again: the session has moved on.
    expect(await store.save(id, expected, patch, [line(id, 2, 'again')])).toBe(false);
    expect((await repo.utterances(id)).map((u) => u.text)).toEqual(['first']);
  });

  it('changes nothing when a line cannot be written', async () => {
    const { id } = await startedSession();
    const store = createAnswerStore(t.db);
    const repo = createSessionRepository(t.db.kysely);
    const before = (await repo.findById(id))!;
    const expected = { status: before.status, step_index: before.step_index, follow_ups: before.follow_ups };
    await store.save(id, expected, { utterance_count: 1 }, [line(id, 1, 'kept')]);
    const now = { ...expected };
    // Sequence 1 is taken: the insert fails, and the session's update must be undone with it.
    await expect(store.save(id, now, { step_index: 1, utterance_count: 2 }, [line(id, 1, 'clash')])).rejects.toThrow();
    expect((await repo.findById(id))!).toMatchObject({ step_index: 0, utterance_count: 1 });
    expect((await repo.utterances(id)).map((u) => u.text)).toEqual(['kept']);
    // And the connection is usable afterwards (no transaction left open).
    expect(await store.save(id, now, { step_index: 1, utterance_count: 2 }, [line(id, 2, 'after')])).toBe(true);
  });

  it('never runs inside an open transaction of another request', async () => {
    const { id } = await startedSession();
    const store = createAnswerStore(t.db);
    const repo = createSessionRepository(t.db.kysely);
    const before = (await repo.findById(id))!;
    const expected = { status: before.status, step_index: before.step_index, follow_ups: before.follow_ups };
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let updated!: () => void;
    const didUpdate = new Promise<void>((resolve) => (updated = resolve));
    // Another request's transaction: it writes, waits, then fails and is rolled back.
    const other = t.db.kysely.transaction().execute(async (trx) => {
      await trx.updateTable('sessions').set({ pause_reason: 'from the other transaction' }).where('id', '=', id).execute();
      updated();
      await gate;
      throw new Error('the other request fails');
    });
    await didUpdate;
    let settled = false;
    const saving = store.save(id, expected, { utterance_count: 1 }, [line(id, 1, 'mine')]).finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(settled).toBe(false);
    release();
    await expect(other).rejects.toThrow('the other request fails');
    expect(await saving).toBe(true);
    // Had the save joined the open transaction, the rollback would have taken its line too.
    expect((await repo.utterances(id)).map((u) => u.text)).toEqual(['mine']);
    expect((await repo.findById(id))!).toMatchObject({ pause_reason: null, utterance_count: 1 });
  });

  it('lets only one of two simultaneous answers to the same step through', async () => {
    const { id, p } = await startedSession();
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => p.answer('q1', `answer number ${i}`)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409).every((r) => r.body.error.code === 'RESOURCE_CONFLICT')).toBe(true);
    expect(results.filter((r) => r.status === 409)).toHaveLength(5);
    const lines = await createSessionRepository(t.db.kysely).utterances(id);
    expect(lines.filter((u) => u.speaker === 'participant')).toHaveLength(1);
  });
});
