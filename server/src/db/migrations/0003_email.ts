import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  const t = columnTypes(db);

  await db.schema
    .createTable('email_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('invite_id', 'text', (c) => c.notNull().references('invites.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('to_address', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull().unique())
    .addColumn('provider_id', 'text')
    .addColumn('custom_message', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('soft_bounces', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('infra_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('next_attempt_at', t.timestamp)
    .addColumn('sent_at', t.timestamp)
    .addColumn('delivered_at', t.timestamp)
    .addColumn('opened_at', t.timestamp)
    .addColumn('clicked_at', t.timestamp)
    .addColumn('bounced_at', t.timestamp)
    .addColumn('failed_at', t.timestamp)
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('email_messages_invite').on('email_messages').columns(['invite_id', 'created_at']).execute();
  await db.schema.createIndex('email_messages_provider').on('email_messages').column('provider_id').execute();
  await db.schema.createIndex('email_messages_recipient').on('email_messages').columns(['organization_id', 'to_address', 'created_at']).execute();

  await db.schema
    .createTable('email_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('message_id', 'text', (c) => c.notNull().references('email_messages.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('detail', 'text')
    .addColumn('raw', t.json)
    .addColumn('at', t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('email_events_message').on('email_events').columns(['message_id', 'at']).execute();

  await db.schema
    .createTable('suppressions')
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('detail', 'text')
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('suppressions_pk', ['organization_id', 'email'])
    .execute();

  await db.schema
    .createTable('email_templates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('html', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('email_templates_org').on('email_templates').columns(['organization_id', 'created_at']).execute();

  // One token bucket per transport, shared by every worker process.
  await db.schema
    .createTable('send_buckets')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('tokens', 'real', (c) => c.notNull())
    .addColumn('refilled_at', t.bigint, (c) => c.notNull())
    .addColumn('slow_until', t.bigint, (c) => c.notNull())
    .execute();

  // Webhook deliveries already received, where a provider asks receivers to refuse replays.
  await db.schema
    .createTable('webhook_receipts')
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('token', 'text', (c) => c.notNull())
    .addColumn('expires_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('webhook_receipts_pk', ['provider', 'token'])
    .execute();
  await db.schema.createIndex('webhook_receipts_expiry').on('webhook_receipts').column('expires_at').execute();

  for (const [name, type] of [
    ['reminders_sent', 'integer'],
    ['last_reminder_at', t.timestamp],
    ['email_sent_at', t.timestamp],
    ['email_delivered_at', t.timestamp],
    ['email_opened_at', t.timestamp],
    ['email_clicked_at', t.timestamp],
    ['email_bounced_at', t.timestamp],
    ['start_delay_ms', t.bigint],
    ['completion_ms', t.bigint],
  ] as const) {
    await db.schema
      .alterTable('invites')
      .addColumn(name, type, (c) => (name === 'reminders_sent' ? c.notNull().defaultTo(0) : c))
      .execute();
  }
  // Medians of invite-to-start and start-to-completion walk these, one campaign at a time.
  await db.schema.createIndex('invites_start_delay').on('invites').columns(['campaign_id', 'start_delay_ms']).execute();
  await db.schema.createIndex('invites_completion').on('invites').columns(['campaign_id', 'completion_ms']).execute();
}
