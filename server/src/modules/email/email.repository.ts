import { type Insertable, type Kysely, type Selectable, type Updateable } from 'kysely';
import type { Database, EmailEventTable, EmailMessageTable } from '../../db/schema.js';

export type EmailMessageRow = Selectable<EmailMessageTable>;
export type EmailEventRow = Selectable<EmailEventTable>;

/** A message with what sending it needs to know of its invite, campaign and organization. */
export type SendContext = EmailMessageRow & {
  invite_status: string;
  invite_name: string | null;
  invite_email: string | null;
  invite_token_encrypted: string;
  invite_expires_at: string | null;
  invite_started_at: string | null;
  invite_email_template: string | null;
  campaign_name: string;
  campaign_description: string | null;
  campaign_status: string;
  campaign_settings: unknown;
  campaign_invite_defaults: unknown;
  campaign_expires_at: string | null;
  organization_name: string;
  organization_domain: string | null;
  organization_settings: unknown;
};

export function createEmailRepository(db: Kysely<Database>) {
  return {
    async insertMessages(rows: Insertable<EmailMessageTable>[]): Promise<void> {
      if (rows.length > 0) await db.insertInto('email_messages').values(rows).execute();
    },
    async insertEvents(rows: Insertable<EmailEventTable>[]): Promise<void> {
      if (rows.length > 0) await db.insertInto('email_events').values(rows).execute();
    },
    async find(id: string): Promise<EmailMessageRow | undefined> {
      return db.selectFrom('email_messages').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async findByHeader(messageId: string): Promise<EmailMessageRow | undefined> {
      return db.selectFrom('email_messages').selectAll().where('message_id', '=', messageId).executeTakeFirst();
    },
    async findByProviderId(providerId: string): Promise<EmailMessageRow | undefined> {
      return db.selectFrom('email_messages').selectAll().where('provider_id', '=', providerId).executeTakeFirst();
    },
    async sendContext(id: string): Promise<SendContext | undefined> {
      return (await this.sendContexts([id]))[0];
    },
    async sendContexts(ids: string[]): Promise<SendContext[]> {
      if (ids.length === 0) return [];
      return db
        .selectFrom('email_messages as m')
        .innerJoin('invites as i', 'i.id', 'm.invite_id')
        .innerJoin('campaigns as c', 'c.id', 'm.campaign_id')
        .innerJoin('organizations as o', 'o.id', 'm.organization_id')
        .selectAll('m')
        .select([
          'i.status as invite_status', 'i.name as invite_name', 'i.email as invite_email',
          'i.token_encrypted as invite_token_encrypted', 'i.expires_at as invite_expires_at',
          'i.started_at as invite_started_at', 'i.email_template as invite_email_template',
          'c.name as campaign_name', 'c.description as campaign_description', 'c.status as campaign_status',
          'c.settings as campaign_settings', 'c.invite_defaults as campaign_invite_defaults', 'c.expires_at as campaign_expires_at',
          'o.name as organization_name', 'o.domain as organization_domain', 'o.settings as organization_settings',
        ])
        .where('m.id', 'in', ids)
        .execute();
    },
    /** Claims messages for sending (a compare-and-set on their status); answers the ids won. */
    async claimForSending(ids: string[], at: string): Promise<Set<string>> {
      if (ids.length === 0) return new Set();
      const rows = await db
        .updateTable('email_messages')
        .set((eb) => ({ status: 'sending', attempts: eb('attempts', '+', 1), updated_at: at }))
        .where('id', 'in', ids)
        .where('status', 'in', ['queued', 'deferred', 'sending'])
        .returning('id')
        .execute();
      return new Set(rows.map((r) => r.id));
    },
    /** Moves a message on only if it is still in one of `from` (a compare-and-set). */
    async transition(id: string, from: string[], patch: Updateable<EmailMessageTable>): Promise<boolean> {
      const result = await db.updateTable('email_messages').set(patch).where('id', '=', id).where('status', 'in', from).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async update(id: string, patch: Updateable<EmailMessageTable>): Promise<void> {
      await db.updateTable('email_messages').set(patch).where('id', '=', id).execute();
    },
    /** The invite's newest message: it alone speaks for the invite's email status. */
    async latestForInvite(inviteId: string): Promise<Pick<EmailMessageRow, 'id'> | undefined> {
      return db
        .selectFrom('email_messages')
        .select('id')
        .where('invite_id', '=', inviteId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
    },
    /** Outcomes of the last `n` messages to an address (for the repeated soft bounce rule). */
    async recentOutcomes(organizationId: string, address: string, n: number): Promise<Array<{ soft_bounces: number; status: string }>> {
      return db
        .selectFrom('email_messages')
        .select(['soft_bounces', 'status'])
        .where('organization_id', '=', organizationId)
        .where('to_address', '=', address)
        .where('status', 'not in', ['queued', 'sending', 'suppressed'])
        .orderBy('created_at', 'desc')
        .limit(n)
        .execute();
    },
    async forInvite(inviteId: string): Promise<EmailMessageRow[]> {
      return db.selectFrom('email_messages').selectAll().where('invite_id', '=', inviteId).orderBy('created_at', 'desc').execute();
    },
    async eventsFor(messageIds: string[]): Promise<EmailEventRow[]> {
      if (messageIds.length === 0) return [];
      return db.selectFrom('email_events').selectAll().where('message_id', 'in', messageIds).orderBy('at', 'asc').orderBy('id', 'asc').execute();
    },
    /** Invites among these with a message still on its way (queued, sending, or waiting to retry). */
    async pendingFor(inviteIds: string[]): Promise<Set<string>> {
      if (inviteIds.length === 0) return new Set();
      const rows = await db
        .selectFrom('email_messages')
        .select('invite_id')
        .where('invite_id', 'in', inviteIds)
        .where('status', 'in', ['queued', 'sending', 'deferred'])
        .execute();
      return new Set(rows.map((r) => r.invite_id));
    },
  };
}

export type EmailRepository = ReturnType<typeof createEmailRepository>;

