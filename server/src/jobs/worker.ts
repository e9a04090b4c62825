import type { FastifyBaseLogger } from 'fastify';
import { randomBase62 } from '../core/ids.js';
import type { JobDefinition, JobRow, Queue } from './queue.js';

export interface WorkerOptions {
  queue: Queue;
  definitions: JobDefinition<never>[];
  logger: FastifyBaseLogger;
  /** Jobs handled at once by this process. */
  concurrency?: number;
  pollMs?: number;
  lockMs?: number;
}

/** Claims due jobs and runs their handlers until stopped. */
export function createWorker(options: WorkerOptions) {
  const id = `worker-${process.pid}-${randomBase62(6)}`;
  const byName = new Map(options.definitions.map((d) => [d.name, d as unknown as JobDefinition]));
  const concurrency = options.concurrency ?? 32;
  const pollMs = options.pollMs ?? 1000;
  const lockMs = options.lockMs ?? 5 * 60_000;
  let running = false;
  let stopping = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;

  async function runOne(job: JobRow): Promise<void> {
    const definition = byName.get(job.name);
    try {
      if (!definition) throw new Error(`no handler for job ${job.name}`);
      const payload = definition.payload.parse(options.queue.parsePayload(job));
      await definition.handle(payload, { id: job.id, attempt: job.attempts });
      await options.queue.complete(job, definition);
    } catch (error) {
      options.logger.warn({ err: error, job: job.id, name: job.name, attempt: job.attempts }, 'job failed');
      await options.queue.fail(job, error, definition);
    }
  }

  /** Several jobs of a type that can be handled together; one by one if that fails. */
  async function runMany(definition: JobDefinition, jobs: JobRow[]): Promise<void> {
    let payloads: unknown[];
    try {
      payloads = jobs.map((job) => definition.payload.parse(options.queue.parsePayload(job)));
      await definition.handleMany!(payloads);
    } catch (error) {
      options.logger.warn({ err: error, name: definition.name, jobs: jobs.length }, 'batch failed; retrying its jobs one by one');
      await Promise.all(jobs.map(runOne));
      return;
    }
    await options.queue.completeMany(jobs);
  }

  /**
   * Runs due jobs, keeping up to `concurrency` in flight, until none is due; returns how many
   * ran. Jobs of a type with `handleMany` run together. Tests call this directly.
   */
  async function drain(): Promise<number> {
    let total = 0;
    let busy = 0;
    const inFlight = new Set<Promise<void>>();
    const start = (work: Promise<void>, slots: number) => {
      busy += slots;
      const running: Promise<void> = work.finally(() => {
        busy -= slots;
        inFlight.delete(running);
      });
      inFlight.add(running);
    };
    for (;;) {
      // Once asked to stop, finish what is in hand and take nothing new.
      const room = stopping ? 0 : concurrency - busy;
      const jobs = room > 0 ? await options.queue.claim(id, room, lockMs) : [];
      const batches = new Map<JobDefinition, JobRow[]>();
      for (const job of jobs) {
        const definition = byName.get(job.name);
        if (definition?.handleMany && !definition.repeatEveryMs) batches.set(definition, [...(batches.get(definition) ?? []), job]);
        else start(runOne(job), 1);
      }
      for (const [definition, group] of batches) start(runMany(definition, group), group.length);
      total += jobs.length;
      if (inFlight.size === 0) return total;
      // Claim again as soon as something finishes (or at once, if this round filled every slot).
      if (jobs.length === 0 || busy >= concurrency) await Promise.race(inFlight);
    }
  }

  return {
    id,
    drain,

    async start(): Promise<void> {
      for (const d of byName.values()) {
        if (d.repeatEveryMs) await options.queue.enqueue({ name: d.name, payload: {}, uniqueKey: `recurring:${d.name}` });
      }
      running = true;
      loop = (async () => {
        while (running) {
          try {
            await drain();
          } catch (error) {
            options.logger.error({ err: error }, 'worker loop failed; retrying');
          }
          if (!running) break;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, pollMs);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        }
      })();
      options.logger.info({ worker: id }, 'worker started');
    },

    async stop(): Promise<void> {
      running = false;
      stopping = true;
      wake?.();
      await loop;
      stopping = false;
    },
  };
}

export type Worker = ReturnType<typeof createWorker>;
