import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.js';
import { newId } from '../../core/ids.js';
import type { Db } from '../../db/database.js';
import { toJson } from '../../db/database.js';
import type { Database } from '../../db/schema.js';
import { createInviteRepository } from '../invites/invite.repository.js';
import { createEmailRepository, type EmailMessageRow } from './email.repository.js';
import type { SuppressionReason, SuppressionService } from './suppression.service.js';

export type EmailEventType =
  | 'queued' | 'sent' | 'delivered' | 'deferred' | 'bounced' | 'complained' | 'opened' | 'clicked'
  | 'unsubscribed' | 'failed' | 'suppressed' | 'throttled';

export type EventSource = 'smtp' | 'ses' | 'sendgrid' | 'postmark' | 'mailgun' | 'tracking' | 'parley';

/**
 * A message's status only moves forward: queued → deferred → sent → delivered → opened →
 * clicked, or to an end (bounced, failed, suppressed). Events that would move it back (an
 * open reported after a click, a late "delivered") are kept in the history and change nothing.
 */
const rank: Record<string, number> = {
  queued: 0, sending: 0, deferred: 1, sent: 2, delivered: 3, opened: 4, clicked: 5, bounced: 9, failed: 9, suppressed: 9,
};

const statusOf: Partial<Record<EmailEventType, string>> = {
  sent: 'sent', delivered: 'delivered', deferred: 'deferred', bounced: 'bounced', opened: 'opened',
  clicked: 'clicked', failed: 'failed', suppressed: 'suppressed',
};

const stampOf: Partial<Record<string, 'sent_at' | 'delivered_at' | 'opened_at' | 'clicked_at' | 'bounced_at' | 'failed_at'>> = {
  sent: 'sent_at', delivered: 'delivered_at', opened: 'opened_at', clicked: 'clicked_at', bounced: 'bounced_at', failed: 'failed_at',
};

/** First times on the invite, each counted once per invite for the campaign's rates. */
const inviteFirsts: Partial<Record<EmailEventType, Array<'sent' | 'delivered' | 'opened' | 'clicked' | 'bounced'>>> = {
  sent: ['sent'],
  bounced: ['bounced'],
  delivered: ['delivered'],
  // An open or a click proves delivery even when the transport never said so.
  opened: ['delivered', 'opened'],
  clicked: ['delivered', 'opened', 'clicked'],
};

const suppressOn: Partial<Record<EmailEventType, SuppressionReason>> = {
  bounced: 'hard_bounce',
  complained: 'complaint',
  unsubscribed: 'unsubscribe',
};

export interface EmailEvent {
  type: EmailEventType;
  /** The transport's id for the message (from its answer), kept for matching later events. */
  providerId?: string | undefined;
  detail?: string | null | undefined;
  raw?: unknown;
  at?: string | undefined;
}

/** Applies what happened to a message: its status, its invite's mirror, suppression, history. */
export function createEmailEvents(deps: { db: Db; clock: Clock; suppressions: SuppressionService; logger: FastifyBaseLogger }) {
  async function apply(trx: Kysely<Database>, message: EmailMessageRow, event: EmailEvent, source: EventSource): Promise<void> {
    const repo = createEmailRepository(trx);
    const at = event.at ?? deps.clock.now().toISOString();
    await repo.insertEvents([
      { id: newId('evt'), message_id: message.id, type: event.type, source, detail: event.detail ?? null, raw: event.raw === undefined ? null : toJson(event.raw), at },
    ]);

    const next = statusOf[event.type];
    if (next && (rank[next] ?? 0) > (rank[message.status] ?? 0)) {
      const stamp = stampOf[next];
      await repo.transition(message.id, [message.status], {
        status: next,
        ...(event.providerId ? { provider_id: event.providerId } : {}),
        ...(stamp && !message[stamp] ? { [stamp]: at } : {}),
        updated_at: at,
        ...(event.type === 'failed' || event.type === 'bounced' ? { last_error: event.detail ?? null } : {}),
      });
      const latest = await repo.latestForInvite(message.invite_id);
      if (latest?.id === message.id) {
        await trx.updateTable('invites').set({ email_status: next, updated_at: at }).where('id', '=', message.invite_id).execute();
      }
    }

    if (event.type === 'sent') {
      await trx
        .updateTable('invites')
        .set((eb) => ({ send_count: eb('send_count', '+', 1), last_sent_at: at }))
        .where('id', '=', message.invite_id)
        .execute();
    }

    const firsts = inviteFirsts[event.type] ?? [];
    if (firsts.length > 0) {
      const invites = createInviteRepository(trx, deps.db.dialect);
      const deltas: Record<string, number> = {};
      for (const first of firsts) {
        const column = `email_${first}_at` as const;
        const result = await trx
          .updateTable('invites')
          .set({ [column]: at })
          .where('id', '=', message.invite_id)
          .where(column, 'is', null)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 1) deltas[`email:${first}`] = 1;
      }
      await invites.adjustCounters(message.campaign_id, deltas);
    }

    const reason = suppressOn[event.type];
    if (reason) await deps.suppressions.add(message.organization_id, message.to_address, reason, event.detail ?? null, trx);
  }

  return {
    /** Records `event` on the message, in one transaction with everything it changes. */
    async record(messageId: string, event: EmailEvent, source: EventSource): Promise<boolean> {
      return deps.db.kysely.transaction().execute(async (trx) => {
        const message = await createEmailRepository(trx).find(messageId);
        if (!message) return false;
        await apply(trx, message, event, source);
        return true;
      });
    },

    /**
     * Records that messages this worker claimed (status `sending`) were accepted by the server:
     * the same effect as `record(…'sent')` on each, in one transaction of a few statements.
     * This is the hot path of a large send.
     */
    async recordSent(items: Array<{ message: Pick<EmailMessageRow, 'id' | 'invite_id' | 'campaign_id' | 'created_at'>; response: string; providerId?: string | undefined }>): Promise<void> {
      if (items.length === 0) return;
      const at = deps.clock.now().toISOString();
      await deps.db.kysely.transaction().execute(async (trx) => {
        await createEmailRepository(trx).insertEvents(
          items.map((i) => ({ id: newId('evt'), message_id: i.message.id, type: 'sent', source: 'smtp', detail: i.response, raw: null, at })),
        );
        for (const { message, providerId } of items) {
          await trx
            .updateTable('email_messages')
            .set({ status: 'sent', sent_at: at, updated_at: at, ...(providerId ? { provider_id: providerId } : {}) })
            .where('id', '=', message.id)
            .where('status', '=', 'sending')
            .execute();
          // The invite mirrors its newest message only.
          await trx
            .updateTable('invites')
            .set((eb) => ({
              send_count: eb('send_count', '+', 1),
              last_sent_at: at,
              updated_at: at,
              email_status: eb
                .case()
                .when(
                  eb.not(
                    eb.exists(
                      eb
                        .selectFrom('email_messages as newer')
                        .select('newer.id')
                        .where('newer.invite_id', '=', message.invite_id)
                        .where((n) => n.or([n('newer.created_at', '>', message.created_at), n.and([n('newer.created_at', '=', message.created_at), n('newer.id', '>', message.id)])])),
                    ),
                  ),
                )
                .then('sent')
                .else(eb.ref('email_status'))
                .end(),
            }))
            .where('id', '=', message.invite_id)
            .execute();
        }
        const firsts = await trx
          .updateTable('invites')
          .set({ email_sent_at: at })
          .where('id', 'in', items.map((i) => i.message.invite_id))
          .where('email_sent_at', 'is', null)
          .returning('campaign_id')
          .execute();
        const perCampaign = new Map<string, number>();
        for (const row of firsts) perCampaign.set(row.campaign_id, (perCampaign.get(row.campaign_id) ?? 0) + 1);
        const invites = createInviteRepository(trx, deps.db.dialect);
        for (const [campaignId, n] of perCampaign) await invites.adjustCounters(campaignId, { 'email:sent': n });
      });
    },

    /** Finds the message a provider event is about: by our Message-ID, our own id, or the provider's id. */
    async locate(ids: { parleyId?: string | undefined; messageIdHeader?: string | undefined; providerId?: string | undefined }): Promise<EmailMessageRow | undefined> {
      const repo = createEmailRepository(deps.db.kysely);
      if (ids.parleyId && /^msg_[0-9A-Za-z]{20}$/.test(ids.parleyId)) {
        const found = await repo.find(ids.parleyId);
        if (found) return found;
      }
      if (ids.messageIdHeader) {
        const header = ids.messageIdHeader.trim();
        const found = await repo.findByHeader(header.startsWith('<') ? header : `<${header}>`);
        if (found) return found;
      }
      if (ids.providerId) return repo.findByProviderId(ids.providerId);
      return undefined;
    },
  };
}

export type EmailEvents = ReturnType<typeof createEmailEvents>;
