import type { Clock } from '../../core/clock.js';
import { AppError, validationError } from '../../core/errors.js';
import type { Db } from '../../db/database.js';
import type { Campaign, CampaignService } from '../campaigns/campaign.service.js';
import { initialEmailStatus, type InviteDelivery } from './invite-delivery.js';
import { resolveExpiry, type ExpiryInput } from './invite-expiry.js';
import { assertCan, assertNotExpired, type InviteStatus } from './invite-state.js';
import { reminderPolicy } from '../email/reminders.js';
import { createInviteRepository, type InviteFilter, type InviteRecord, type InviteRepository } from './invite.repository.js';
import type { Invite, InviteService } from './invite.service.js';

export interface BulkResult {
  matched: number;
  changed: number;
  failedCount: number;
  failed: Array<{ id: string; code: string; message: string }>;
}

export interface Selection {
  ids?: string[] | undefined;
  filter?: InviteFilter | undefined;
}

const maxListedFailures = 1000;

/** What an administrator does to invites already out: cancel, extend, resend; one or many. */
export function createInviteActions(deps: {
  db: Db;
  clock: Clock;
  campaigns: CampaignService;
  delivery: InviteDelivery;
  invites: InviteService;
}) {
  const repo = createInviteRepository(deps.db.kysely, deps.db.dialect);
  const inTransaction = <T>(work: (r: InviteRepository, trx: Db['kysely']) => Promise<T>) =>
    deps.db.kysely.transaction().execute((trx) => work(createInviteRepository(trx, deps.db.dialect), trx));
  const now = () => deps.clock.now();
  const { effective } = deps.invites;

  async function reread(organizationId: string, id: string): Promise<Invite> {
    return deps.invites.toInvite(await deps.invites.findRecord(organizationId, id), await deps.invites.linkBase(organizationId));
  }

  /** Applies one invite's part of a bulk action; returns an error for the report, or nothing. */
  async function eachSelected(
    organizationId: string,
    campaignId: string,
    selection: Selection,
    act: (r: InviteRepository, trx: Db['kysely'], invite: InviteRecord, campaign: Campaign) => Promise<Partial<Record<InviteStatus, number>> | void>,
  ): Promise<BulkResult> {
    const campaign = await deps.campaigns.load(organizationId, campaignId);
    const result: BulkResult = { matched: 0, changed: 0, failedCount: 0, failed: [] };
    const fail = (id: string, code: string, message: string) => {
      result.failedCount++;
      if (result.failed.length < maxListedFailures) result.failed.push({ id, code, message });
    };
    const seen = new Set<string>();
    const filter: InviteFilter = { ...selection.filter, ...(selection.ids ? { ids: selection.ids } : {}) };
    for await (const batch of repo.scan(campaign.id, filter, deps.invites.moment(campaign), 500)) {
      await inTransaction(async (r, trx) => {
        const deltas: Partial<Record<InviteStatus, number>> = {};
        for (const invite of batch) {
          seen.add(invite.id);
          result.matched++;
          try {
            const delta = await act(r, trx, invite, campaign);
            for (const [s, d] of Object.entries(delta ?? {})) deltas[s as InviteStatus] = (deltas[s as InviteStatus] ?? 0) + d;
            result.changed++;
          } catch (error) {
            if (!(error instanceof AppError)) throw error;
            fail(invite.id, error.code, error.message);
          }
        }
        await r.adjustCounters(campaign.id, deltas);
      });
    }
    for (const id of selection.ids ?? []) {
      if (!seen.has(id)) fail(id, 'RESOURCE_NOT_FOUND', `Invite ${id} was not found in campaign ${campaign.id}`);
    }
    return result;
  }

  async function cancelOne(r: InviteRepository, invite: InviteRecord): Promise<Partial<Record<InviteStatus, number>>> {
    assertCan('cancel', effective(invite).status);
    const at = now().toISOString();
    if (!(await r.transition(invite.id, invite.status as InviteStatus, { status: 'cancelled', cancelled_at: at, updated_at: at }))) {
      throw new AppError('INVALID_STATE_TRANSITION', 'The invite changed while it was being cancelled; try again');
    }
    return { [invite.status]: -1, cancelled: 1 };
  }

  async function extendOne(r: InviteRepository, invite: InviteRecord, input: ExpiryInput): Promise<Partial<Record<InviteStatus, number>>> {
    assertCan('extend', effective(invite).status);
    const at = now();
    if (invite.campaign_expires_at && Date.parse(invite.campaign_expires_at) <= at.getTime()) {
      throw new AppError('INVITE_EXPIRED', `The campaign expired at ${invite.campaign_expires_at}; extend the campaign first`, {
        campaignExpiresAt: invite.campaign_expires_at,
      });
    }
    const expiresAt = resolveExpiry(input, undefined, at);
    const iso = at.toISOString();
    if (invite.status === 'expired') {
      // Back to where it was before time ran out: started if the participant had begun.
      const back: InviteStatus = invite.started_at ? 'started' : 'pending';
      if (!(await r.transition(invite.id, 'expired', { status: back, expires_at: expiresAt, updated_at: iso }))) {
        throw new AppError('INVALID_STATE_TRANSITION', 'The invite changed while it was being extended; try again');
      }
      return { expired: -1, [back]: 1 };
    }
    await r.update(invite.id, { expires_at: expiresAt, updated_at: iso });
    return {};
  }

  async function resendOne(r: InviteRepository, trx: Db['kysely'], invite: InviteRecord, campaign: Campaign, message?: string): Promise<void> {
    const { status } = effective(invite);
    assertNotExpired(status, 'resent');
    if (status === 'completed' || status === 'cancelled') {
      throw new AppError('INVALID_STATE_TRANSITION', `A ${status} invite cannot be resent`, { status });
    }
    if (campaign.status !== 'active') {
      throw new AppError('CAMPAIGN_NOT_ACTIVE', `Campaign ${campaign.id} is ${campaign.status}`, { status: campaign.status });
    }
    if (!invite.email) throw validationError('email', 'this invite has no email address; share its link instead');
    const emailStatus = initialEmailStatus(deps.delivery, true, invite.email);
    await r.update(invite.id, { email_status: emailStatus, updated_at: now().toISOString() });
    if (emailStatus === 'queued') await deps.delivery.enqueue(trx, [invite.id], 'resend', { message });
  }

  /** A reminder now: only to a pending invite with an address that can still be written to. */
  async function remindOne(trx: Db['kysely'], invite: InviteRecord, campaign: Campaign, message?: string): Promise<void> {
    const { status } = effective(invite);
    assertNotExpired(status, 'reminded');
    if (status !== 'pending') throw new AppError('INVALID_STATE_TRANSITION', `A ${status} invite gets no reminders`, { status });
    if (campaign.status !== 'active') {
      throw new AppError('CAMPAIGN_NOT_ACTIVE', `Campaign ${campaign.id} is ${campaign.status}`, { status: campaign.status });
    }
    if (!invite.email) throw validationError('email', 'this invite has no email address');
    if (!deps.delivery.configured) throw new AppError('SERVICE_UNAVAILABLE', 'No email transport is configured (SMTP_URL)');
    if (['bounced', 'suppressed'].includes(invite.email_status)) {
      throw new AppError('RESOURCE_CONFLICT', `The address ${invite.email_status === 'bounced' ? 'bounced' : 'is suppressed'}; no reminder is sent`, { emailStatus: invite.email_status });
    }
    const max = reminderPolicy(campaign.settings).max;
    if (invite.reminders_sent >= max) {
      throw new AppError('RESOURCE_CONFLICT', `The invite already had ${invite.reminders_sent} reminder(s), the campaign's maximum`, { remindersSent: invite.reminders_sent, max });
    }
    if ((await deps.delivery.hasPending(trx, [invite.id])).size > 0) {
      throw new AppError('RESOURCE_CONFLICT', 'An earlier email to this invite is still on its way (a retry is pending)');
    }
    await deps.delivery.enqueue(trx, [invite.id], 'reminder', { message });
  }

  return {
    /** Sends reminders now, to the selected pending invites of a campaign, with an optional note. */
    bulkRemind: (organizationId: string, campaignId: string, selection: Selection, message?: string) =>
      eachSelected(organizationId, campaignId, selection, (_r, trx, invite, campaign) => remindOne(trx, invite, campaign, message)),

    async cancel(organizationId: string, id: string): Promise<Invite> {
      const invite = await deps.invites.findRecord(organizationId, id);
      await inTransaction(async (r) => r.adjustCounters(invite.campaign_id, await cancelOne(r, invite)));
      return reread(organizationId, id);
    },

    async extend(organizationId: string, id: string, input: ExpiryInput): Promise<Invite> {
      const invite = await deps.invites.findRecord(organizationId, id);
      await inTransaction(async (r) => r.adjustCounters(invite.campaign_id, await extendOne(r, invite, input)));
      return reread(organizationId, id);
    },

    async resend(organizationId: string, id: string, message?: string): Promise<Invite> {
      const invite = await deps.invites.findRecord(organizationId, id);
      const campaign = await deps.campaigns.load(organizationId, invite.campaign_id);
      await inTransaction((r, trx) => resendOne(r, trx, invite, campaign, message));
      return reread(organizationId, id);
    },

    bulkCancel: (organizationId: string, campaignId: string, selection: Selection) =>
      eachSelected(organizationId, campaignId, selection, (r, _trx, invite) => cancelOne(r, invite)),

    bulkExtend: (organizationId: string, campaignId: string, selection: Selection, input: ExpiryInput) =>
      eachSelected(organizationId, campaignId, selection, (r, _trx, invite) => extendOne(r, invite, input)),

    bulkResend: (organizationId: string, campaignId: string, selection: Selection, message?: string) =>
      eachSelected(organizationId, campaignId, selection, (r, trx, invite, campaign) => resendOne(r, trx, invite, campaign, message)),

  };
}

export type InviteActions = ReturnType<typeof createInviteActions>;
