import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import type { InviteLifecycle } from '../modules/invites/invite-lifecycle.js';
import type { JobDefinition } from './queue.js';

/**
 * Every minute: store `expired` on open invites whose time has run out. Reads never wait for
 * this (they derive expiry themselves); it keeps counters and indexes close to the truth.
 */
export function expireInvitesJob(deps: { lifecycle: InviteLifecycle; logger: FastifyBaseLogger }): JobDefinition<Record<string, never>> {
  return {
    name: 'expire-invites',
    payload: z.object({}).strict() as never,
    maxAttempts: 3,
    backoffMs: () => 30_000,
    repeatEveryMs: 60_000,
    async handle() {
      const expired = await deps.lifecycle.sweepExpired();
      if (expired > 0) deps.logger.info({ expired }, 'invites expired');
    },
  };
}
