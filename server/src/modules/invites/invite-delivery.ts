import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

/**
 * Email states of an invite. `not_requested`: no email was asked for (or the invite has no
 * address); `not_sent`: one was asked for but no email transport is configured, so the
 * administrator hands the link out. The delivery states follow once a transport exists.
 */
export const emailStatuses = [
  'not_requested', 'not_sent', 'queued', 'sent', 'delivered', 'opened', 'clicked',
  'deferred', 'bounced', 'suppressed', 'failed',
] as const;
export type EmailStatus = (typeof emailStatuses)[number];

export type DeliveryKind = 'invite' | 'resend' | 'reminder';

/** Hands invite emails to whatever sends them, inside the transaction that asked for them. */
export interface InviteDelivery {
  readonly configured: boolean;
  /** Queues one message per invite; answers the email status each invite now has. */
  enqueue(
    executor: Kysely<Database>,
    inviteIds: string[],
    kind: DeliveryKind,
    options: { message?: string | undefined },
  ): Promise<Map<string, EmailStatus>>;
  /** Invites among these with a message still on its way (reminders wait for it). */
  hasPending(executor: Kysely<Database>, inviteIds: string[]): Promise<Set<string>>;
}

/** Without a transport nothing is sent: invites say `not_sent` and their links are copied by hand. */
export const noEmailTransport: InviteDelivery = {
  configured: false,
  async enqueue() {
    return new Map();
  },
  async hasPending() {
    return new Set<string>();
  },
};

export function initialEmailStatus(delivery: InviteDelivery, wanted: boolean, email: string | null): EmailStatus {
  if (!wanted || !email) return 'not_requested';
  return delivery.configured ? 'queued' : 'not_sent';
}
