import type { Clock } from '../../core/clock.js';
import { AppError, notFound, validationError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Db } from '../../db/database.js';
import { parseJson, toJson } from '../../db/database.js';
import { metadataSchema, page, type Page } from '../../http/schemas.js';
import type { CampaignStatsSource } from '../campaigns/campaign-stats.js';
import type { Campaign, CampaignService } from '../campaigns/campaign.service.js';
import type { OrganizationService } from '../organizations/organization.service.js';
import { initialEmailStatus, type EmailStatus, type InviteDelivery } from './invite-delivery.js';
import { resolveExpiry, type ExpiryInput } from './invite-expiry.js';
import { assertNotExpired, effectiveExpiry, effectiveStatus, type InviteStatus } from './invite-state.js';
import type { SealedToken, TokenVault } from './invite-tokens.js';
import { createInviteRepository, type InviteFilter, type InviteRecord, type InviteRepository, type Moment } from './invite.repository.js';
import { interviewUrl } from '../organizations/organization.service.js';

type Metadata = Record<string, string | number | boolean>;

export interface Invite {
  id: string;
  campaignId: string;
  token: string;
  email: string | null;
  name: string | null;
  status: InviteStatus;
  inviteUrl: string;
  emailStatus: EmailStatus;
  expiresAt: string | null;
  metadata: Metadata;
  emailTemplate: string | null;
  reminderDaysBeforeExpiry: number | null;
  startedAt: string | null;
  completedAt: string | null;
  cancelledAt: string | null;
  lastSentAt: string | null;
  sendCount: number;
  createdAt: string;
  updatedAt: string;
}

/** What a new invite holds before any email or interview happened. */
const emptyEmailColumns = {
  reminders_sent: 0,
  last_reminder_at: null,
  email_sent_at: null,
  email_delivered_at: null,
  email_opened_at: null,
  email_clicked_at: null,
  email_bounced_at: null,
  verify_attempts: 0,
  verify_locked_until: null,
  start_delay_ms: null,
  completion_ms: null,
};

export interface NewInvite extends ExpiryInput {
  email?: string | undefined;
  name?: string | null | undefined;
  metadata?: Metadata | undefined;
  emailTemplate?: string | undefined;
  reminderDaysBeforeExpiry?: number | undefined;
}


export function createInviteService(deps: {
  db: Db;
  clock: Clock;
  vault: TokenVault;
  campaigns: CampaignService;
  organizations: OrganizationService;
  delivery: InviteDelivery;
  stats: CampaignStatsSource;
  /** Refuses an `emailTemplate` the organization does not have. */
  checkTemplate?: (organizationId: string, ref: string | null | undefined) => Promise<void>;
}) {
  const repo = createInviteRepository(deps.db.kysely, deps.db.dialect);
  const inTransaction = <T>(work: (r: InviteRepository, trx: Db['kysely']) => Promise<T>) =>
    deps.db.kysely.transaction().execute((trx) => work(createInviteRepository(trx, deps.db.dialect), trx));
  const now = () => deps.clock.now();

  function moment(campaign: Pick<Campaign, 'expiresAt'>): Moment {
    const at = now();
    return { now: at.toISOString(), campaignExpired: campaign.expiresAt !== null && Date.parse(campaign.expiresAt) <= at.getTime() };
  }

  /** The state a reader sees, and the expiry that decides it. */
  function effective(record: InviteRecord, at = now()) {
    const expiresAt = effectiveExpiry(record.expires_at, record.campaign_expires_at);
    return { status: effectiveStatus(record.status as InviteStatus, expiresAt, at), expiresAt };
  }

  function toInvite(record: InviteRecord, linkBase: string): Invite {
    const token = deps.vault.reveal(record.token_encrypted);
    const { status, expiresAt } = effective(record);
    return {
      id: record.id,
      campaignId: record.campaign_id,
      token,
      email: record.email,
      name: record.name,
      status,
      inviteUrl: interviewUrl(linkBase, token),
      emailStatus: record.email_status as EmailStatus,
      expiresAt,
      metadata: parseJson<Metadata>(record.metadata),
      emailTemplate: record.email_template,
      reminderDaysBeforeExpiry: record.reminder_days_before_expiry,
      startedAt: record.started_at,
      completedAt: record.completed_at,
      cancelledAt: record.cancelled_at,
      lastSentAt: record.last_sent_at,
      sendCount: record.send_count,
      createdAt: record.created_at,
      updatedAt: record.updated_at,
    };
  }

  async function linkBase(organizationId: string): Promise<string> {
    return deps.organizations.linkBase(await deps.organizations.get(organizationId));
  }

  async function record(organizationId: string, id: string): Promise<InviteRecord> {
    const found = await repo.find(organizationId, id);
    if (!found) throw notFound('Invite', id);
    return found;
  }

  function assertAcceptsInvites(campaign: Campaign): void {
    if (campaign.status !== 'active') {
      throw new AppError('CAMPAIGN_NOT_ACTIVE', `Campaign ${campaign.id} is ${campaign.status} and cannot take invites`, { status: campaign.status });
    }
    if (moment(campaign).campaignExpired) {
      throw new AppError('CAMPAIGN_NOT_ACTIVE', `Campaign ${campaign.id} expired at ${campaign.expiresAt}`, { expiresAt: campaign.expiresAt });
    }
  }

  /**
   * Addresses with an open invite in the campaign. Open invites whose time has run out are
   * swept first, so an address whose invite expired can be invited again.
   */
  async function openInvites(r: InviteRepository, campaign: Campaign, emails: string[]): Promise<Map<string, string>> {
    const at = now();
    const rows = await r.openByEmail(campaign.id, emails);
    const lapsed = rows.filter((row) => effectiveStatus(row.status as InviteStatus, effectiveExpiry(row.expires_at, campaign.expiresAt), at) === 'expired');
    if (lapsed.length > 0) {
      const moved = await r.expire(lapsed.map((l) => l.id), at.toISOString());
      await r.adjustCounters(campaign.id, { pending: -moved.pending, started: -moved.started, expired: moved.pending + moved.started });
    }
    const lapsedIds = new Set(lapsed.map((l) => l.id));
    return new Map(rows.filter((row) => !lapsedIds.has(row.id)).map((row) => [row.email_normalized!, row.id]));
  }

  /**
   * Builds rows for new invites (tokens included) and inserts them. Rows that lose a race for
   * an address (an open invite appeared meanwhile) come back in `skipped`.
   */
  async function insertInvites(
    r: InviteRepository,
    trx: Db['kysely'],
    campaign: Campaign,
    organizationId: string,
    items: NewInvite[],
    sendEmail: boolean,
    sealed?: SealedToken[],
  ): Promise<{ created: InviteRecord[]; ids: Array<string | null> }> {
    const at = now();
    const tokens = sealed && sealed.length >= items.length ? sealed : deps.vault.issue(items.length);
    // Items of one import share their validity; work it out once per distinct setting.
    const expiries = new Map<string, string | null>();
    const expiryOf = (item: NewInvite) => {
      const key = `${item.expiresAt ?? ''}|${item.expiresIn ?? ''}`;
      if (!expiries.has(key)) expiries.set(key, resolveExpiry(item, campaign.inviteDefaults.expiresIn, at));
      return expiries.get(key)!;
    };
    const rows = items.map((item, i) => {
      const email = item.email?.trim() || null;
      return {
        id: newId('inv'),
        organization_id: organizationId,
        campaign_id: campaign.id,
        token_hash: tokens[i]!.hash,
        token_encrypted: tokens[i]!.encrypted,
        email,
        email_normalized: email?.toLowerCase() ?? null,
        name: item.name?.trim() || null,
        metadata: toJson(item.metadata ?? {}),
        status: 'pending',
        email_status: initialEmailStatus(deps.delivery, sendEmail, email),
        email_template: item.emailTemplate ?? (typeof campaign.inviteDefaults.emailTemplate === 'string' ? campaign.inviteDefaults.emailTemplate : null),
        reminder_days_before_expiry: item.reminderDaysBeforeExpiry ??
          (typeof campaign.inviteDefaults.reminderDaysBeforeExpiry === 'number' ? campaign.inviteDefaults.reminderDaysBeforeExpiry : null),
        expires_at: expiryOf(item),
        started_at: null,
        completed_at: null,
        cancelled_at: null,
        last_sent_at: null,
        send_count: 0,
        created_at: at.toISOString(),
        updated_at: at.toISOString(),
      };
    });
    const inserted = await r.insertMany(rows);
    const created = rows.filter((row) => inserted.has(row.id));
    await r.adjustCounters(campaign.id, { pending: created.length });
    const queued = created.filter((row) => row.email_status === 'queued').map((row) => row.id);
    // Suppressed addresses are not queued after all: the answer says so at once.
    const statuses = queued.length > 0 ? await deps.delivery.enqueue(trx, queued, 'invite', {}) : new Map<string, EmailStatus>();
    return {
      created: created.map((row) => ({
        ...row,
        email_status: statuses.get(row.id) ?? row.email_status,
        ...emptyEmailColumns,
        campaign_expires_at: campaign.expiresAt,
      })),
      ids: rows.map((row) => (inserted.has(row.id) ? row.id : null)),
    };
  }

  /** For single and bulk creation, where losing a race for an address refuses the request. */
  async function insertAll(r: InviteRepository, trx: Db['kysely'], campaign: Campaign, organizationId: string, items: NewInvite[], sendEmail: boolean) {
    const { created, ids } = await insertInvites(r, trx, campaign, organizationId, items, sendEmail);
    const lost = ids.indexOf(null);
    if (lost >= 0) {
      const email = items[lost]!.email;
      throw new AppError('RESOURCE_CONFLICT', `${email} already has an open invite in this campaign`, { email });
    }
    return created;
  }

  function requireEmail(item: NewInvite, sendEmail: boolean, path: string): void {
    if (sendEmail && !item.email) {
      throw new AppError('INVALID_REQUEST', `${path}: an email address is required when sendEmail is true`, {
        location: 'body',
        fields: [{ path, message: 'required when sendEmail is true', code: 'invalid_type' }],
      });
    }
  }

  return {
    toInvite,
    effective,
    moment,
    linkBase,
    /** The invite as stored, with its campaign's expiry; 404 when it is not the organization's. */
    findRecord: record,

    /** The campaign, if it takes new invites now (imports check once, then add batches). */
    async campaignTakingInvites(organizationId: string, campaignId: string): Promise<Campaign> {
      const campaign = await deps.campaigns.load(organizationId, campaignId);
      assertAcceptsInvites(campaign);
      return campaign;
    },

    /**
     * Creates what it can of one batch, in one transaction: an address that already has an
     * open invite is skipped, not refused. Returns the new invite id, or null, per item.
     */
    async createBatch(
      organizationId: string,
      campaign: Campaign,
      items: NewInvite[],
      sendEmail: boolean,
      sealed?: SealedToken[],
    ): Promise<Array<string | null>> {
      return inTransaction(async (r, trx) => {
        const emails = [...new Set(items.map((i) => i.email?.trim().toLowerCase()).filter((e): e is string => !!e))];
        const open = await openInvites(r, campaign, emails);
        const fresh = items.map((item, i) => ({ item, i })).filter(({ item }) => !open.has(item.email?.trim().toLowerCase() ?? ''));
        const { ids: created } = await insertInvites(r, trx, campaign, organizationId, fresh.map((f) => f.item), sendEmail, sealed);
        const ids: Array<string | null> = items.map(() => null);
        fresh.forEach(({ i }, n) => (ids[i] = created[n] ?? null));
        return ids;
      });
    },

    async create(organizationId: string, campaignId: string, input: NewInvite & { sendEmail?: boolean | undefined }): Promise<Invite> {
      const campaign = await deps.campaigns.load(organizationId, campaignId);
      assertAcceptsInvites(campaign);
      const sendEmail = input.sendEmail ?? true;
      requireEmail(input, sendEmail, 'email');
      await deps.checkTemplate?.(organizationId, input.emailTemplate);
      const base = await linkBase(organizationId);
      const [created] = await inTransaction(async (r, trx) => {
        if (input.email) {
          const existing = (await openInvites(r, campaign, [input.email.trim().toLowerCase()])).get(input.email.trim().toLowerCase());
          if (existing) {
            throw new AppError('RESOURCE_CONFLICT', `${input.email} already has an open invite in this campaign`, { existingInviteId: existing });
          }
        }
        return insertAll(r, trx, campaign, organizationId, [input], sendEmail);
      });
      return toInvite(created!, base);
    },

    /** Up to 500 at once, all or nothing: any invalid item rejects the request, with every item's reason. */
    async createMany(
      organizationId: string,
      campaignId: string,
      input: { invites: NewInvite[]; sendEmail?: boolean | undefined; expiresIn?: string | undefined; expiresAt?: string | undefined; emailTemplate?: string | undefined },
    ): Promise<Invite[]> {
      const campaign = await deps.campaigns.load(organizationId, campaignId);
      assertAcceptsInvites(campaign);
      const sendEmail = input.sendEmail ?? true;
      const items = input.invites.map((item) => ({
        ...item,
        expiresIn: item.expiresIn ?? input.expiresIn,
        expiresAt: item.expiresAt ?? input.expiresAt,
        emailTemplate: item.emailTemplate ?? input.emailTemplate,
      }));
      items.forEach((item, i) => requireEmail(item, sendEmail, `invites.${i}.email`));
      for (const ref of new Set(items.map((i) => i.emailTemplate))) await deps.checkTemplate?.(organizationId, ref);
      const base = await linkBase(organizationId);
      const created = await inTransaction(async (r, trx) => {
        const emails = items.map((i) => i.email?.trim().toLowerCase()).filter((e): e is string => !!e);
        const open = await openInvites(r, campaign, [...new Set(emails)]);
        const firstIndex = new Map<string, number>();
        const fields: Array<{ path: string; message: string; code: string }> = [];
        items.forEach((item, i) => {
          const email = item.email?.trim().toLowerCase();
          if (!email) return;
          if (open.has(email)) fields.push({ path: `invites.${i}.email`, message: `${email} already has an open invite in this campaign`, code: 'duplicate' });
          else if (firstIndex.has(email)) fields.push({ path: `invites.${i}.email`, message: `${email} also appears at invites.${firstIndex.get(email)}`, code: 'duplicate' });
          else firstIndex.set(email, i);
        });
        if (fields.length > 0) {
          throw new AppError('VALIDATION_ERROR', `${fields.length} invite(s) cannot be created; nothing was created`, { location: 'body', fields });
        }
        return insertAll(r, trx, campaign, organizationId, items, sendEmail);
      });
      return created.map((row) => toInvite(row, base));
    },

    /** The campaign's invites in creation order, a batch at a time, for exports. */
    async scan(organizationId: string, campaignId: string, filter: InviteFilter): Promise<AsyncGenerator<Invite[]>> {
      const campaign = await deps.campaigns.load(organizationId, campaignId);
      const base = await linkBase(organizationId);
      const batches = repo.scan(campaign.id, filter, moment(campaign), 1000);
      return (async function* () {
        for await (const rows of batches) yield rows.map((row) => toInvite(row, base));
      })();
    },

    async get(organizationId: string, id: string): Promise<Invite> {
      return toInvite(await record(organizationId, id), await linkBase(organizationId));
    },

    async list(organizationId: string, campaignId: string, filter: InviteFilter, limit: number, offset: number): Promise<Page<Invite>> {
      const campaign = await deps.campaigns.load(organizationId, campaignId);
      const at = moment(campaign);
      const onlyStatus = !filter.email && !filter.metadata;
      const [rows, total, base] = await Promise.all([
        repo.list(campaign.id, filter, at, limit, offset),
        onlyStatus ? countFromStats(campaign, filter.status) : repo.count(campaign.id, filter, at),
        linkBase(organizationId),
      ]);
      return page(rows.map((row) => toInvite(row, base)), total, limit, offset);
    },

    async update(
      organizationId: string,
      id: string,
      input: { name?: string | null | undefined; metadata?: Record<string, unknown> | undefined; reminderDaysBeforeExpiry?: number | null | undefined },
    ): Promise<Invite> {
      const invite = await record(organizationId, id);
      assertNotExpired(effective(invite).status, 'changed');
      let metadata: Metadata | undefined;
      if (input.metadata) {
        const merged: Record<string, unknown> = { ...parseJson<Metadata>(invite.metadata) };
        for (const [k, v] of Object.entries(input.metadata)) {
          if (v === null) delete merged[k];
          else merged[k] = v;
        }
        const parsed = metadataSchema.safeParse(merged);
        if (!parsed.success) throw validationError('metadata', parsed.error.issues[0]!.message);
        metadata = parsed.data;
      }
      await repo.update(id, {
        ...(input.name !== undefined ? { name: input.name?.trim() || null } : {}),
        ...(metadata ? { metadata: toJson(metadata) } : {}),
        ...(input.reminderDaysBeforeExpiry !== undefined ? { reminder_days_before_expiry: input.reminderDaysBeforeExpiry } : {}),
        updated_at: now().toISOString(),
      });
      return toInvite(await record(organizationId, id), await linkBase(organizationId));
    },

  };

  async function countFromStats(campaign: Campaign, status: InviteStatus | undefined): Promise<number> {
    const stats = (await deps.stats.forCampaigns([{ id: campaign.id, expiresAt: campaign.expiresAt }])).get(campaign.id)!;
    return status ? stats.invitesByStatus[status] : stats.totalInvites;
  }
}

export type InviteService = ReturnType<typeof createInviteService>;
