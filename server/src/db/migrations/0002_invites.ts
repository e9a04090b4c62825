import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { columnTypes } from './column-types.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  const t = columnTypes(db);

  await db.schema
    .createTable('invites')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('token_encrypted', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('email_normalized', 'text')
    .addColumn('name', 'text')
    .addColumn('metadata', t.json, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('email_status', 'text', (c) => c.notNull())
    .addColumn('email_template', 'text')
    .addColumn('reminder_days_before_expiry', 'integer')
    .addColumn('expires_at', t.timestamp)
    .addColumn('started_at', t.timestamp)
    .addColumn('completed_at', t.timestamp)
    .addColumn('cancelled_at', t.timestamp)
    .addColumn('last_sent_at', t.timestamp)
    .addColumn('send_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('invites_token_hash').on('invites').column('token_hash').unique().execute();
  // Pages of one status, newest first; and the time-lapsed rows of a status, by expiry.
  await db.schema.createIndex('invites_campaign_status_created').on('invites').columns(['campaign_id', 'status', 'created_at', 'id']).execute();
  await db.schema.createIndex('invites_campaign_status_expiry').on('invites').columns(['campaign_id', 'status', 'expires_at']).execute();
  await db.schema.createIndex('invites_campaign_created').on('invites').columns(['campaign_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('invites_campaign_email').on('invites').columns(['campaign_id', 'email_normalized']).execute();
  // At most one open (pending or started) invite per address and campaign.
  await db.schema
    .createIndex('invites_one_open_per_email')
    .on('invites')
    .columns(['campaign_id', 'email_normalized'])
    .unique()
    .where(sql.ref('status'), 'in', ['pending', 'started'])
    .execute();
  await db.schema.createIndex('invites_open_expiry').on('invites').columns(['status', 'expires_at']).execute();

  await db.schema
    .createTable('invite_counters')
    .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('invite_counters_pk', ['campaign_id', 'status'])
    .execute();
}
