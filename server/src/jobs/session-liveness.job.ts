import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import type { SessionFlow } from '../modules/sessions/session-flow.js';
import type { JobDefinition } from './queue.js';

/** Every minute: sessions gone quiet become abandoned; sessions past their time limit end. */
export function sessionLivenessJob(deps: { flow: SessionFlow; logger: FastifyBaseLogger }): JobDefinition<Record<string, never>> {
  return {
    name: 'session-liveness',
    payload: z.object({}).strict() as never,
    maxAttempts: 3,
    backoffMs: () => 30_000,
    repeatEveryMs: 60_000,
    async handle() {
      const { abandoned, ended } = await deps.flow.sweep();
      if (abandoned + ended > 0) deps.logger.info({ abandoned, ended }, 'sessions swept');
    },
  };
}
