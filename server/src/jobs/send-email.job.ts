import { z } from 'zod';
import type { EmailDelivery } from '../modules/email/email-delivery.js';
import { sendEmailJob } from '../modules/email/email-delivery.js';
import type { JobDefinition } from './queue.js';

/** Sends one email message. Delivery outcomes are handled inside; only surprises are retried here. */
export function sendEmailJobDefinition(deps: { delivery: EmailDelivery }): JobDefinition<{ messageId: string }> {
  return {
    name: sendEmailJob,
    payload: z.object({ messageId: z.string() }),
    maxAttempts: 5,
    backoffMs: (attempt) => 30_000 * 2 ** attempt,
    handle: ({ messageId }) => deps.delivery.sendMessage(messageId),
    handleMany: (payloads) => deps.delivery.sendMessages(payloads.map((p) => p.messageId)),
  };
}
