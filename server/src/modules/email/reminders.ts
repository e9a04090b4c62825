import type { Clock } from '../../core/clock.js';
import type { Db } from '../../db/database.js';
import { parseJson } from '../../db/database.js';
import type { InviteDelivery } from '../invites/invite-delivery.js';

const day = 86_400_000;

export interface ReminderPolicy {
  enabled: boolean;
  firstAfterDays: number;
  finalBeforeExpiryDays: number;
  max: number;
}

/** A campaign's `settings.reminders`, with the defaults of the usual follow-up strategy. */
export function reminderPolicy(settings: Record<string, unknown>): ReminderPolicy {
  const r = (settings.reminders ?? {}) as Partial<ReminderPolicy>;
  return {
    enabled: r.enabled === true,
    firstAfterDays: r.firstAfterDays ?? 3,
    finalBeforeExpiryDays: r.finalBeforeExpiryDays ?? 1,
    max: r.max ?? 2,
  };
}

interface Candidate {
  id: string;
  email_sent_at: string | null;
  expires_at: string | null;
  reminders_sent: number;
  last_reminder_at: string | null;
  reminder_days_before_expiry: number | null;
}

/**
 * Whether an invite is due a reminder now: the first one some days after the invitation went
 * out, a final one shortly before expiry, or the invite's own "N days before expiry" — never
 * more than the policy's maximum, never twice for the same moment.
 */
export function reminderDue(invite: Candidate, policy: ReminderPolicy, now: number): boolean {
  if (invite.reminders_sent >= policy.max || !invite.email_sent_at) return false;
  const last = invite.last_reminder_at ? Date.parse(invite.last_reminder_at) : -Infinity;
  const expires = invite.expires_at ? Date.parse(invite.expires_at) : undefined;
  if (expires !== undefined && expires <= now) return false;
  if (invite.reminder_days_before_expiry !== null && expires !== undefined) {
    const moment = expires - invite.reminder_days_before_expiry * day;
    if (now >= moment && last < moment) return true;
  }
  if (!policy.enabled) return false;
  if (invite.reminders_sent === 0 && now >= Date.parse(invite.email_sent_at) + policy.firstAfterDays * day) return true;
  if (expires !== undefined) {
    const moment = expires - policy.finalBeforeExpiryDays * day;
    if (now >= moment && last < moment) return true;
  }
  return false;
}

/**
 * The reminder run (a recurring job): for each active campaign, finds pending invites that are
 * due and queues their reminders. Never to started, completed, cancelled, expired, bounced or
 * suppressed invites, and never while an earlier message is still on its way (a retry).
 */
export function createReminderRun(deps: { db: Db; clock: Clock; delivery: InviteDelivery; batchSize?: number }) {
  const db = deps.db.kysely;
  const batchSize = deps.batchSize ?? 500;

  return async function run(): Promise<number> {
    if (!deps.delivery.configured) return 0;
    const now = deps.clock.now();
    const iso = now.toISOString();
    const campaigns = await db
      .selectFrom('campaigns')
      .select(['id', 'settings', 'expires_at'])
      .where('status', '=', 'active')
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', iso)]))
      .execute();
    let queued = 0;
    for (const campaign of campaigns) {
      const policy = reminderPolicy(parseJson<Record<string, unknown>>(campaign.settings) ?? {});
      const firstBefore = new Date(now.getTime() - policy.firstAfterDays * day).toISOString();
      const finalBefore = new Date(now.getTime() + Math.max(policy.finalBeforeExpiryDays, 60) * day).toISOString();
      let after = '';
      for (;;) {
        const candidates = await db
          .selectFrom('invites')
          .select(['id', 'email_sent_at', 'expires_at', 'reminders_sent', 'last_reminder_at', 'reminder_days_before_expiry'])
          .where('campaign_id', '=', campaign.id)
          .where('status', '=', 'pending')
          .where('email', 'is not', null)
          .where('email_sent_at', 'is not', null)
          .where('email_status', 'not in', ['bounced', 'suppressed', 'failed'])
          .where('reminders_sent', '<', policy.max)
          .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', iso)]))
          .where((eb) =>
            eb.or([
              ...(policy.enabled ? [eb.and([eb('reminders_sent', '=', 0), eb('email_sent_at', '<=', firstBefore)])] : []),
              eb.and([eb('expires_at', 'is not', null), eb('expires_at', '<=', finalBefore), ...(policy.enabled ? [] : [eb('reminder_days_before_expiry', 'is not', null)])]),
            ]),
          )
          .where('id', '>', after)
          .orderBy('id')
          .limit(batchSize)
          .execute();
        if (candidates.length === 0) break;
        after = candidates[candidates.length - 1]!.id;
        const due = candidates.filter((c) => reminderDue(c, policy, now.getTime())).map((c) => c.id);
        if (due.length > 0) {
          queued += await db.transaction().execute(async (trx) => {
            const busy = await deps.delivery.hasPending(trx, due);
            const ready = due.filter((id) => !busy.has(id));
            await deps.delivery.enqueue(trx, ready, 'reminder', {});
            return ready.length;
          });
        }
        if (candidates.length < batchSize) break;
      }
    }
    return queued;
  };
}
