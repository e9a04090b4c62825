import type { Kysely, Selectable } from 'kysely';
import type { ZodType } from 'zod';
import type { Clock } from '../core/clock.js';
import { newId } from '../core/ids.js';
import type { Db } from '../db/database.js';
import { parseJson, toJson } from '../db/database.js';
import type { Database, JobTable } from '../db/schema.js';

export type JobRow = Selectable<JobTable>;

/** A job out of attempts stays in the table, far in the future, for an operator to inspect. */
const parkedForMs = 100 * 365 * 24 * 3_600_000;

/** A job type: a name, a payload schema, an idempotent handler and a retry policy. */
export interface JobDefinition<P = unknown> {
  name: string;
  payload: ZodType<P>;
  handle(payload: P, job: { id: string; attempt: number }): Promise<void>;
  /**
   * Optional: handles several jobs of this type at once (their database work shared), for
   * high-volume jobs such as sending email. Must have the same effect as `handle` on each.
   */
  handleMany?(payloads: P[]): Promise<void>;
  maxAttempts: number;
  /** Delay before attempt `attempt + 1`, after attempt `attempt` failed. */
  backoffMs(attempt: number): number;
  /** Recurring jobs run again this long after each run; one row per name. */
  repeatEveryMs?: number;
}

export interface EnqueueOptions {
  name: string;
  payload: unknown;
  runAt?: Date;
  /** At most one pending job per unique key. */
  uniqueKey?: string;
  maxAttempts?: number;
}

export function createQueue(deps: { db: Db; clock: Clock }) {
  const { kysely, dialect } = deps.db;

  return {
    /** Enqueue on `executor` (pass a transaction so the job commits with the work it belongs to). */
    async enqueue(options: EnqueueOptions, executor: Kysely<Database> = kysely): Promise<void> {
      await this.enqueueMany([options], executor);
    },

    /** Several jobs in one statement (a batch of emails, say), on `executor` like `enqueue`. */
    async enqueueMany(jobs: EnqueueOptions[], executor: Kysely<Database> = kysely): Promise<void> {
      if (jobs.length === 0) return;
      const now = deps.clock.now();
      for (let at = 0; at < jobs.length; at += 500) {
        await executor
          .insertInto('jobs')
          .values(
            jobs.slice(at, at + 500).map((options) => ({
              id: newId('job'),
              name: options.name,
              payload: toJson(options.payload),
              unique_key: options.uniqueKey ?? null,
              run_at: (options.runAt ?? now).toISOString(),
              max_attempts: options.maxAttempts ?? 5,
              locked_by: null,
              locked_until: null,
              last_error: null,
              created_at: now.toISOString(),
            })),
          )
          .onConflict((oc) => oc.column('unique_key').doNothing())
          .execute();
      }
    },

    /**
     * Locks up to `limit` due jobs for this worker. On PostgreSQL `FOR UPDATE SKIP LOCKED`
     * keeps workers from ever taking the same job; SQLite has one writer at a time anyway.
     */
    async claim(workerId: string, limit: number, lockMs: number): Promise<JobRow[]> {
      const now = deps.clock.now();
      let due = kysely
        .selectFrom('jobs')
        .select('id')
        .where('run_at', '<=', now.toISOString())
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now.toISOString())]))
        .orderBy('run_at')
        .limit(limit);
      if (dialect === 'postgres') due = due.forUpdate().skipLocked();
      return kysely
        .updateTable('jobs')
        .set((eb) => ({
          locked_by: workerId,
          locked_until: new Date(now.getTime() + lockMs).toISOString(),
          attempts: eb('attempts', '+', 1),
        }))
        .where('id', 'in', due)
        .returningAll()
        .execute();
    },

    async complete(job: JobRow, definition: JobDefinition | undefined): Promise<void> {
      if (definition?.repeatEveryMs) {
        await kysely
          .updateTable('jobs')
          .set({
            run_at: new Date(deps.clock.now().getTime() + definition.repeatEveryMs).toISOString(),
            attempts: 0,
            locked_by: null,
            locked_until: null,
            last_error: null,
          })
          .where('id', '=', job.id)
          .execute();
      } else {
        await kysely.deleteFrom('jobs').where('id', '=', job.id).execute();
      }
    },

    /** Completes several one-off jobs in one statement. */
    async completeMany(jobs: JobRow[]): Promise<void> {
      if (jobs.length > 0) await kysely.deleteFrom('jobs').where('id', 'in', jobs.map((j) => j.id)).execute();
    },

    /** Schedules the next attempt, or parks the job (run_at far away) once attempts run out. */
    async fail(job: JobRow, error: unknown, definition: JobDefinition | undefined): Promise<void> {
      const message = error instanceof Error ? error.message : String(error);
      const exhausted = job.attempts >= job.max_attempts;
      const recurring = definition?.repeatEveryMs;
      let delay: number;
      if (!exhausted) delay = definition?.backoffMs(job.attempts) ?? 60_000;
      else if (recurring) delay = recurring;
      else delay = parkedForMs;
      await kysely
        .updateTable('jobs')
        .set({
          run_at: new Date(deps.clock.now().getTime() + delay).toISOString(),
          locked_by: null,
          locked_until: null,
          last_error: message.slice(0, 2000),
          ...(exhausted && recurring ? { attempts: 0 } : {}),
        })
        .where('id', '=', job.id)
        .execute();
    },

    parsePayload: (job: JobRow) => parseJson<unknown>(job.payload),
  };
}

export type Queue = ReturnType<typeof createQueue>;
