import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { JobDefinition } from '../src/jobs/queue.js';
import { createQueue } from '../src/jobs/queue.js';
import { createWorker } from '../src/jobs/worker.js';
import { TestClock } from './clock.js';
import { createTestDatabase, type TestDatabase } from './database.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

const logger = pino({ level: 'silent' });

describe('job queue', () => {
  it('runs due jobs once, retries failures with backoff, and parks a job out of attempts', async () => {
    const clock = new TestClock();
    const queue = createQueue({ db: database.db, clock });
    const seen: string[] = [];
    let failuresLeft = 2;
    const echo: JobDefinition<{ text: string }> = {
      name: 'echo',
      payload: z.object({ text: z.string() }),
      maxAttempts: 3,
      backoffMs: (attempt) => attempt * 10_000,
      async handle(payload) {
        if (payload.text === 'flaky' && failuresLeft-- > 0) throw new Error('temporary');
        if (payload.text === 'broken') throw new Error('always');
        seen.push(payload.text);
      },
    };
    const worker = createWorker({ queue, definitions: [echo as JobDefinition<never>], logger });
    await queue.enqueue({ name: 'echo', payload: { text: 'now' } });
    await queue.enqueue({ name: 'echo', payload: { text: 'later' }, runAt: new Date(clock.now().getTime() + 60_000) });
    await queue.enqueue({ name: 'echo', payload: { text: 'flaky' }, maxAttempts: 3 });
    await queue.enqueue({ name: 'echo', payload: { text: 'broken' }, maxAttempts: 2 });
    await queue.enqueue({ name: 'echo', payload: { text: 'dup' }, uniqueKey: 'only-once' });
    await queue.enqueue({ name: 'echo', payload: { text: 'dup' }, uniqueKey: 'only-once' });

    await worker.drain();
    expect(seen.sort()).toEqual(['dup', 'now']);
    clock.advance(10_001);
    await worker.drain();
    expect(seen).not.toContain('flaky');
    clock.advance(20_001);
    await worker.drain();
    expect(seen).toContain('flaky');
    clock.advance(60_000);
    await worker.drain();
    expect(seen).toContain('later');
    expect(seen.filter((s) => s === 'dup')).toHaveLength(1);

    const left = await database.db.kysely.selectFrom('jobs').selectAll().execute();
    expect(left).toHaveLength(1);
    expect(left[0]!.last_error).toBe('always');
    expect(left[0]!.attempts).toBe(2);
    clock.advance(365 * 86_400_000);
    await worker.drain();
    expect((await database.db.kysely.selectFrom('jobs').selectAll().execute())[0]!.attempts).toBe(2);
    await database.db.kysely.deleteFrom('jobs').execute();
  });

  it('never hands the same job to two workers', async () => {
    const clock = new TestClock();
    const queue = createQueue({ db: database.db, clock });
    for (let i = 0; i < 40; i++) await queue.enqueue({ name: 'n', payload: { i } });
    const [a, b] = await Promise.all([queue.claim('a', 25, 60_000), queue.claim('b', 25, 60_000)]);
    const ids = [...a, ...b].map((j) => j.id);
    expect(ids).toHaveLength(40);
    expect(new Set(ids).size).toBe(40);
    expect(await queue.claim('c', 10, 60_000)).toHaveLength(0);
    // A lock that runs out (a worker that died) frees the job for another worker.
    clock.advance(60_001);
    expect(await queue.claim('c', 100, 60_000)).toHaveLength(40);
    await database.db.kysely.deleteFrom('jobs').execute();
  });

  it('keeps a recurring job as one row that comes back after its interval', async () => {
    const clock = new TestClock();
    const queue = createQueue({ db: database.db, clock });
    let runs = 0;
    const tick: JobDefinition<Record<string, never>> = {
      name: 'tick',
      payload: z.object({}) as never,
      maxAttempts: 1,
      backoffMs: () => 1000,
      repeatEveryMs: 60_000,
      async handle() {
        runs++;
      },
    };
    const worker = createWorker({ queue, definitions: [tick as JobDefinition<never>], logger, pollMs: 10 });
    await worker.start();
    await worker.stop();
    await createWorker({ queue, definitions: [tick as JobDefinition<never>], logger }).drain();
    expect(runs).toBe(1);
    clock.advance(60_001);
    await worker.drain();
    expect(runs).toBe(2);
    expect(await database.db.kysely.selectFrom('jobs').selectAll().execute()).toHaveLength(1);
  });
});
