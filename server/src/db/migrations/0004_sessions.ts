import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  const t = columnTypes(db);

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    // One session per invite, ever: a second start can never create another.
    .addColumn('invite_id', 'text', (c) => c.notNull().unique().references('invites.id').onDelete('cascade'))
    .addColumn('script_version_id', 'text', (c) => c.notNull().references('script_versions.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('participant_name', 'text')
    .addColumn('participant_email', 'text')
    .addColumn('metadata', t.json, (c) => c.notNull())
    .addColumn('consent', t.json)
    .addColumn('device', t.json)
    .addColumn('user_agent', 'text')
    .addColumn('ip', 'text')
    .addColumn('step_index', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('follow_ups', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('pending_follow_up', 'text')
    .addColumn('step_shown_at', t.timestamp)
    .addColumn('questions_answered', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('utterance_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('total_questions', 'integer', (c) => c.notNull())
    .addColumn('abandon_after_minutes', 'integer', (c) => c.notNull())
    .addColumn('max_duration_seconds', 'integer')
    .addColumn('started_at', t.timestamp)
    .addColumn('completed_at', t.timestamp)
    .addColumn('last_seen_at', t.timestamp)
    // When silence makes the session abandoned, and when its time limit ends it (sweep keys).
    .addColumn('abandon_at', t.timestamp)
    .addColumn('deadline_at', t.timestamp)
    .addColumn('paused_at', t.timestamp)
    .addColumn('pause_reason', 'text')
    .addColumn('ended_by', 'text')
    .addColumn('duration_seconds', 'integer')
    .addColumn('sentiment', t.json)
    .addColumn('analysis', t.json)
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_campaign_created').on('sessions').columns(['campaign_id', 'created_at']).execute();
  await db.schema.createIndex('sessions_campaign_status').on('sessions').columns(['campaign_id', 'status']).execute();
  await db.schema.createIndex('sessions_abandon').on('sessions').columns(['status', 'abandon_at']).execute();
  await db.schema.createIndex('sessions_deadline').on('sessions').columns(['status', 'deadline_at']).execute();

  await db.schema
    .createTable('utterances')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('session_id', 'text', (c) => c.notNull().references('sessions.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('speaker', 'text', (c) => c.notNull())
    .addColumn('question_id', 'text')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('value', t.json)
    .addColumn('start_ms', 'integer', (c) => c.notNull())
    .addColumn('end_ms', 'integer', (c) => c.notNull())
    .addColumn('sentiment', 'real')
    .addColumn('keywords', t.json)
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addUniqueConstraint('utterances_session_seq', ['session_id', 'seq'])
    .execute();

  await db.schema
    .createTable('session_files')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text', (c) => c.notNull().references('sessions.id').onDelete('cascade'))
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('size_bytes', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('storage_key', 'text', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('session_files_session').on('session_files').columns(['session_id', 'created_at']).execute();

  // Typing the address an email-tied invite was sent to: a few attempts, then a pause.
  await db.schema.alterTable('invites').addColumn('verify_attempts', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('invites').addColumn('verify_locked_until', t.timestamp).execute();
}
