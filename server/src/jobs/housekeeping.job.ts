import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import type { IdempotencyService } from '../modules/idempotency/idempotency.service.js';
import type { JobDefinition } from './queue.js';

/** Every few minutes: forget idempotency keys past their 24 hours, and old webhook receipts. */
export function housekeepingJob(deps: {
  idempotency: IdempotencyService;
  receipts: { purgeExpired(): Promise<number> };
  logger: FastifyBaseLogger;
}): JobDefinition<Record<string, never>> {
  return {
    name: 'housekeeping',
    payload: z.object({}).strict() as never,
    maxAttempts: 3,
    backoffMs: () => 60_000,
    repeatEveryMs: 5 * 60_000,
    async handle() {
      const purged = await deps.idempotency.purgeExpired();
      if (purged > 0) deps.logger.info({ purged }, 'expired idempotency keys removed');
      await deps.receipts.purgeExpired();
    },
  };
}
