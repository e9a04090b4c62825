import { CompiledQuery, sql, type ExpressionBuilder, type Insertable, type Kysely, type Selectable, type Updateable } from 'kysely';
import type { DialectName } from '../../db/database.js';
import type { Database, InviteTable } from '../../db/schema.js';
import type { InviteStatus } from './invite-state.js';

export type InviteRow = Selectable<InviteTable>;
/** An invite with what its effective state depends on: its campaign's expiry. */
export type InviteRecord = InviteRow & { campaign_expires_at: string | null };

export interface InviteFilter {
  status?: InviteStatus | undefined;
  email?: string | undefined;
  emailDomain?: string | undefined;
  metadata?: Record<string, string> | undefined;
  createdAfter?: string | undefined;
  createdBefore?: string | undefined;
  expiresAfter?: string | undefined;
  expiresBefore?: string | undefined;
  ids?: string[] | undefined;
}

/** How "now" and the campaign's own expiry turn stored statuses into effective ones. */
export interface Moment {
  now: string;
  campaignExpired: boolean;
}

type Eb = ExpressionBuilder<Database, 'invites'>;

const inviteColumns = [
  'id', 'organization_id', 'campaign_id', 'token_hash', 'token_encrypted', 'email', 'email_normalized', 'name',
  'metadata', 'status', 'email_status', 'email_template', 'reminder_days_before_expiry', 'expires_at', 'started_at',
  'completed_at', 'cancelled_at', 'last_sent_at', 'send_count', 'created_at', 'updated_at',
] as const satisfies ReadonlyArray<keyof InviteRow>;

/** The columns a new invite is written with (the others start empty). */
export type InviteInsert = Pick<InviteRow, (typeof inviteColumns)[number]>;

const insertSqlCache = new Map<string, string>();

/** `insert … values (…), (…) on conflict do nothing returning id` for `count` rows. */
function insertSql(dialect: DialectName, count: number): string {
  const cacheKey = `${dialect}:${count}`;
  let text = insertSqlCache.get(cacheKey);
  if (!text) {
    const width = inviteColumns.length;
    const tuples = Array.from({ length: count }, (_, r) =>
      `(${inviteColumns.map((_, c) => (dialect === 'postgres' ? `$${r * width + c + 1}` : '?')).join(',')})`,
    );
    text = `insert into invites (${inviteColumns.join(',')}) values ${tuples.join(',')} on conflict do nothing returning id`;
    if (insertSqlCache.size > 64) insertSqlCache.clear();
    insertSqlCache.set(cacheKey, text);
  }
  return text;
}

function statusCondition(eb: Eb, status: InviteStatus, at: Moment) {
  const lapsed = eb.and([eb('invites.expires_at', 'is not', null), eb('invites.expires_at', '<=', at.now)]);
  const live = eb.or([eb('invites.expires_at', 'is', null), eb('invites.expires_at', '>', at.now)]);
  switch (status) {
    case 'pending':
    case 'started':
      return at.campaignExpired ? eb.lit(false) : eb.and([eb('invites.status', '=', status), live]);
    case 'expired':
      return at.campaignExpired
        ? eb('invites.status', 'in', ['expired', 'pending', 'started'])
        : eb.or([eb('invites.status', '=', 'expired'), eb.and([eb('invites.status', 'in', ['pending', 'started']), lapsed])]);
    default:
      return eb('invites.status', '=', status);
  }
}

export function createInviteRepository(db: Kysely<Database>, dialect: DialectName) {
  function metadataEquals(eb: Eb, key: string, value: string) {
    if (dialect === 'postgres') return eb(sql<string>`invites.metadata ->> ${key}`, '=', value);
    // SQLite's -> gives the JSON text of the value; compare with the text a string, number or boolean would have.
    const path = `$."${key}"`;
    return eb(sql<string>`invites.metadata -> ${path}`, 'in', [JSON.stringify(value), value]);
  }

  function where(eb: Eb, campaignId: string, filter: InviteFilter, at: Moment) {
    const parts = [eb('invites.campaign_id', '=', campaignId)];
    if (filter.status) parts.push(statusCondition(eb, filter.status, at));
    if (filter.email) parts.push(eb('invites.email_normalized', '=', filter.email.trim().toLowerCase()));
    if (filter.emailDomain) {
      const domain = filter.emailDomain.trim().toLowerCase().replace(/^@/, '').replace(/[\\%_]/g, (c) => `\\${c}`);
      parts.push(eb(sql<string>`invites.email_normalized`, 'like', sql<string>`${`%@${domain}`} escape '\\'`));
    }
    for (const [key, value] of Object.entries(filter.metadata ?? {})) parts.push(metadataEquals(eb, key, value));
    if (filter.createdAfter) parts.push(eb('invites.created_at', '>=', filter.createdAfter));
    if (filter.createdBefore) parts.push(eb('invites.created_at', '<', filter.createdBefore));
    if (filter.expiresAfter) parts.push(eb('invites.expires_at', '>=', filter.expiresAfter));
    if (filter.expiresBefore) parts.push(eb('invites.expires_at', '<', filter.expiresBefore));
    if (filter.ids) parts.push(filter.ids.length > 0 ? eb('invites.id', 'in', filter.ids) : eb.lit(false));
    return eb.and(parts);
  }

  function withCampaign() {
    return db
      .selectFrom('invites')
      .innerJoin('campaigns', 'campaigns.id', 'invites.campaign_id')
      .selectAll('invites')
      .select('campaigns.expires_at as campaign_expires_at');
  }

  return {
    /**
     * Inserts; rows that would break a unique rule (an open invite for the address) are skipped.
     * Imports insert a thousand rows at a time, so this one statement is written by hand
     * rather than built through the query builder.
     */
    async insertMany(rows: InviteInsert[]): Promise<Set<string>> {
      const inserted = new Set<string>();
      // At most 1,000 rows per statement keeps under both databases' limits on parameters.
      for (let at = 0; at < rows.length; at += 1000) {
        const chunk = rows.slice(at, at + 1000);
        const params: unknown[] = [];
        for (const row of chunk) for (const column of inviteColumns) params.push(row[column]);
        const result = await db.executeQuery<{ id: string }>(CompiledQuery.raw(insertSql(dialect, chunk.length), params));
        for (const r of result.rows) inserted.add(r.id);
      }
      return inserted;
    },

    async find(organizationId: string, id: string): Promise<InviteRecord | undefined> {
      return withCampaign()
        .where('invites.organization_id', '=', organizationId)
        .where('invites.id', '=', id)
        .executeTakeFirst();
    },

    /** For the participant's side, where the invite (not an API key) names the organization. */
    async findAnywhere(id: string): Promise<InviteRecord | undefined> {
      return withCampaign().where('invites.id', '=', id).executeTakeFirst();
    },

    async findByTokenHash(hash: string): Promise<InviteRecord | undefined> {
      return withCampaign().where('invites.token_hash', '=', hash).executeTakeFirst();
    },

    async list(campaignId: string, filter: InviteFilter, at: Moment, limit: number, offset: number): Promise<InviteRecord[]> {
      return withCampaign()
        .where((eb) => where(eb as unknown as Eb, campaignId, filter, at))
        .orderBy('invites.created_at', 'desc')
        .orderBy('invites.id', 'desc')
        .limit(limit)
        .offset(offset)
        .execute();
    },

    async count(campaignId: string, filter: InviteFilter, at: Moment): Promise<number> {
      const row = await db
        .selectFrom('invites')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where((eb) => where(eb, campaignId, filter, at))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    /** Walks matching invites in creation order, a batch at a time (exports, bulk actions). */
    async *scan(campaignId: string, filter: InviteFilter, at: Moment, batchSize = 1000): AsyncGenerator<InviteRecord[]> {
      let after: { created_at: string; id: string } | undefined;
      for (;;) {
        const cursor = after;
        const rows = await withCampaign()
          .where((eb) => where(eb as unknown as Eb, campaignId, filter, at))
          .$if(cursor !== undefined, (q) =>
            q.where((eb) =>
              eb.or([
                eb('invites.created_at', '>', cursor!.created_at),
                eb.and([eb('invites.created_at', '=', cursor!.created_at), eb('invites.id', '>', cursor!.id)]),
              ]),
            ),
          )
          .orderBy('invites.created_at', 'asc')
          .orderBy('invites.id', 'asc')
          .limit(batchSize)
          .execute();
        if (rows.length === 0) return;
        yield rows;
        if (rows.length < batchSize) return;
        const last = rows[rows.length - 1]!;
        after = { created_at: last.created_at, id: last.id };
      }
    },

    /** Open invites of these addresses in the campaign (lapsed or not). */
    async openByEmail(campaignId: string, emails: string[]): Promise<Pick<InviteRow, 'id' | 'email_normalized' | 'status' | 'expires_at'>[]> {
      if (emails.length === 0) return [];
      return db
        .selectFrom('invites')
        .select(['id', 'email_normalized', 'status', 'expires_at'])
        .where('campaign_id', '=', campaignId)
        .where('email_normalized', 'in', emails)
        .where('status', 'in', ['pending', 'started'])
        .execute();
    },

    /** Moves one invite from `from` to a new state; false when it was no longer in `from`. */
    async transition(id: string, from: InviteStatus, patch: Updateable<InviteTable>): Promise<boolean> {
      const result = await db.updateTable('invites').set(patch).where('id', '=', id).where('status', '=', from).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async update(id: string, patch: Updateable<InviteTable>): Promise<void> {
      await db.updateTable('invites').set(patch).where('id', '=', id).execute();
    },

    /** Marks the given open invites expired; returns how many moved from each status. */
    async expire(ids: string[], now: string): Promise<{ pending: number; started: number }> {
      const moved = { pending: 0, started: 0 };
      for (const from of ['pending', 'started'] as const) {
        const result = await db
          .updateTable('invites')
          .set({ status: 'expired', updated_at: now })
          .where('id', 'in', ids)
          .where('status', '=', from)
          .executeTakeFirst();
        moved[from] = Number(result.numUpdatedRows);
      }
      return moved;
    },

    /** Open invites whose own expiry has passed, or whose campaign has expired, a batch at a time. */
    async lapsed(now: string, limit: number): Promise<Pick<InviteRow, 'id' | 'campaign_id'>[]> {
      const own = await db
        .selectFrom('invites')
        .select(['id', 'campaign_id'])
        .where('status', 'in', ['pending', 'started'])
        .where('expires_at', '<=', now)
        .limit(limit)
        .execute();
      if (own.length >= limit) return own;
      const byCampaign = await db
        .selectFrom('invites')
        .innerJoin('campaigns', 'campaigns.id', 'invites.campaign_id')
        .select(['invites.id', 'invites.campaign_id'])
        .where('campaigns.expires_at', '<=', now)
        .where('invites.status', 'in', ['pending', 'started'])
        .limit(limit - own.length)
        .execute();
      return [...own, ...byCampaign];
    },

    /** Adds to a campaign's counters: one per invite status, and `email:*` ones for delivery figures. */
    async adjustCounters(campaignId: string, deltas: Partial<Record<string, number>>): Promise<void> {
      const rows = Object.entries(deltas)
        .filter(([, delta]) => !!delta)
        .map(([status, delta]) => ({ campaign_id: campaignId, status, count: delta! }));
      if (rows.length === 0) return;
      await db
        .insertInto('invite_counters')
        .values(rows)
        .onConflict((oc) => oc.columns(['campaign_id', 'status']).doUpdateSet({ count: sql<number>`invite_counters.count + excluded.count` }))
        .execute();
    },

    async storedCounts(campaignIds: string[]): Promise<Array<{ campaign_id: string; status: string; count: number }>> {
      if (campaignIds.length === 0) return [];
      return db.selectFrom('invite_counters').selectAll().where('campaign_id', 'in', campaignIds).execute();
    },

    /** Open invites whose own expiry has passed but that no sweep has marked yet. */
    async lapsedCounts(campaignIds: string[], now: string): Promise<Array<{ campaign_id: string; status: string; n: number }>> {
      if (campaignIds.length === 0) return [];
      const rows = await db
        .selectFrom('invites')
        .select(['campaign_id', 'status', (eb) => eb.fn.countAll<number>().as('n')])
        .where('campaign_id', 'in', campaignIds)
        .where('status', 'in', ['pending', 'started'])
        .where('expires_at', '<=', now)
        .groupBy(['campaign_id', 'status'])
        .execute();
      return rows.map((r) => ({ ...r, n: Number(r.n) }));
    },
  };
}

export type InviteRepository = ReturnType<typeof createInviteRepository>;
