import type { Clock } from '../../core/clock.js';
import { AppError, notFound } from '../../core/errors.js';
import type { Db } from '../../db/database.js';
import { assertCan } from './invite-state.js';
import { createInviteRepository, type InviteRecord, type InviteRepository } from './invite.repository.js';
import type { InviteService } from './invite.service.js';

/** Moves invites along on the participant's side and by time: start, complete, expire. */
export function createInviteLifecycle(deps: { db: Db; clock: Clock; invites: InviteService }) {
  const repo = createInviteRepository(deps.db.kysely, deps.db.dialect);
  const inTransaction = <T>(work: (r: InviteRepository) => Promise<T>) =>
    deps.db.kysely.transaction().execute((trx) => work(createInviteRepository(trx, deps.db.dialect)));
  const now = () => deps.clock.now();
  const { effective } = deps.invites;

  /** pending → started; false when another request started it first. */
  async function start(r: InviteRepository, inviteId: string, known?: InviteRecord): Promise<boolean> {
    const at = now().toISOString();
    // A record read moments ago will do: the update below is conditional on `pending` anyway.
    const invite = known ?? (await r.findAnywhere(inviteId));
    if (!invite) throw notFound('Invite', inviteId);
    assertCan('start', effective(invite).status);
    // How long the invite waited: from delivery (or sending, or creation) to this start.
    const waitedFrom = invite.email_delivered_at ?? invite.email_sent_at ?? invite.created_at;
    const delay = Math.max(0, Date.parse(at) - Date.parse(waitedFrom));
    if (!(await r.transition(inviteId, 'pending', { status: 'started', started_at: at, start_delay_ms: delay, updated_at: at }))) return false;
    await r.adjustCounters(invite.campaign_id, { pending: -1, started: 1, 'ever:started': 1 });
    return true;
  }

  /** started → completed (false when it was not `started` any more), with its counters. */
  async function markCompleted(r: InviteRepository, invite: InviteRecord): Promise<boolean> {
    const at = now().toISOString();
    const took = invite.started_at ? Math.max(0, Date.parse(at) - Date.parse(invite.started_at)) : null;
    if (!(await r.transition(invite.id, 'started', { status: 'completed', completed_at: at, completion_ms: took, updated_at: at }))) return false;
    await r.adjustCounters(invite.campaign_id, { started: -1, completed: 1 });
    return true;
  }

  async function complete(r: InviteRepository, inviteId: string): Promise<void> {
    const invite = await r.findAnywhere(inviteId);
    if (!invite) throw notFound('Invite', inviteId);
    assertCan('complete', effective(invite).status);
    if (!(await markCompleted(r, invite))) throw new AppError('INVALID_STATE_TRANSITION', 'The invite changed while it was being completed');
  }

  return {
    /** The participant began (POST from the interview page): pending → started, exactly once. */
    recordStart: (inviteId: string) => inTransaction((r) => start(r, inviteId)),

    /** The participant submitted the last answer: started → completed. */
    recordCompletion: (inviteId: string) => inTransaction((r) => complete(r, inviteId)),

    /** The same moves, inside a transaction of the caller's (a session starts with its invite). */
    startWithin: (trx: Db['kysely'], inviteId: string, known?: InviteRecord) => start(createInviteRepository(trx, deps.db.dialect), inviteId, known),
    /**
     * A finished interview completes its invite, inside the session's transaction, if the invite
     * is still `started`: also when its expiry passed during the interview (expiry stops new
     * starts and returns to the link, not an interview under way). An invite the organizer
     * cancelled, or the sweep already marked expired, keeps that status; the session still
     * completes. True when the invite moved.
     */
    async completeWithin(trx: Db['kysely'], inviteId: string): Promise<boolean> {
      const r = createInviteRepository(trx, deps.db.dialect);
      const invite = await r.findAnywhere(inviteId);
      return invite?.status === 'started' ? markCompleted(r, invite) : false;
    },

    /** Marks open invites whose time has run out as expired, a batch at a time; returns how many. */
    async sweepExpired(batchSize = 1000): Promise<number> {
      let total = 0;
      for (;;) {
        const at = now().toISOString();
        const lapsed = await repo.lapsed(at, batchSize);
        if (lapsed.length === 0) return total;
        const byCampaign = new Map<string, string[]>();
        for (const row of lapsed) byCampaign.set(row.campaign_id, [...(byCampaign.get(row.campaign_id) ?? []), row.id]);
        await inTransaction(async (r) => {
          for (const [campaignId, ids] of byCampaign) {
            const moved = await r.expire(ids, at);
            await r.adjustCounters(campaignId, { pending: -moved.pending, started: -moved.started, expired: moved.pending + moved.started });
          }
        });
        total += lapsed.length;
        if (lapsed.length < batchSize) return total;
      }
    },
  };
}

export type InviteLifecycle = ReturnType<typeof createInviteLifecycle>;
