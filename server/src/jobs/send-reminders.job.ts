import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import type { JobDefinition } from './queue.js';

/** Every five minutes: queue the reminders that campaigns' policies call for. */
export function sendRemindersJob(deps: { run: () => Promise<number>; logger: FastifyBaseLogger }): JobDefinition<Record<string, never>> {
  return {
    name: 'send-reminders',
    payload: z.object({}).strict() as never,
    maxAttempts: 3,
    backoffMs: () => 60_000,
    repeatEveryMs: 5 * 60_000,
    async handle() {
      const queued = await deps.run();
      if (queued > 0) deps.logger.info({ queued }, 'reminders queued');
    },
  };
}
