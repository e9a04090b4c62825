import type { ColumnType, Generated } from 'kysely';

/**
 * Row types as the application sees them. Timestamps are ISO-8601 UTC strings on both
 * dialects (timestamptz on PostgreSQL, parsed back to ISO strings; text on SQLite).
 * JSON columns are written as strings and read through `parseJson`.
 */
type Timestamp = string;
type Json = ColumnType<unknown, string, string>;

export interface OrganizationTable {
  id: string;
  name: string;
  plan: string;
  rate_limit_per_minute: number | null;
  logo: string | null;
  domain: string | null;
  settings: Json;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ApiKeyTable {
  id: string;
  organization_id: string;
  name: string;
  prefix: string;
  key_hash: string;
  scopes: Json;
  created_at: Timestamp;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface ProjectTable {
  id: string;
  organization_id: string;
  name: string;
  description: string | null;
  color: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ScriptTable {
  id: string;
  organization_id: string;
  project_id: string | null;
  name: string;
  description: string | null;
  status: string;
  latest_version: number;
  published_version: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: Timestamp | null;
}

export interface ScriptVersionTable {
  id: string;
  script_id: string;
  organization_id: string;
  version: number;
  status: string;
  system_prompt: string;
  questions: Json;
  settings: Json;
  changelog: string | null;
  created_at: Timestamp;
  published_at: Timestamp | null;
}

export interface ScriptMediaTable {
  id: string;
  organization_id: string;
  script_id: string;
  filename: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  storage_key: string;
  created_at: Timestamp;
}

export interface CampaignTable {
  id: string;
  organization_id: string;
  project_id: string | null;
  script_id: string;
  script_version_id: string;
  name: string;
  description: string | null;
  status: string;
  settings: Json;
  invite_defaults: Json;
  metadata: Json;
  expires_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface IdempotencyKeyTable {
  api_key_id: string;
  key: string;
  fingerprint: string;
  state: string;
  response_status: number | null;
  response_type: string | null;
  response_body: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
}

export interface RateLimitTable {
  bucket: string;
  window_start: number;
  count: number;
}

export interface JobTable {
  id: string;
  name: string;
  payload: Json;
  unique_key: string | null;
  run_at: Timestamp;
  attempts: Generated<number>;
  max_attempts: number;
  locked_by: string | null;
  locked_until: Timestamp | null;
  last_error: string | null;
  created_at: Timestamp;
}

export interface InviteTable {
  id: string;
  organization_id: string;
  campaign_id: string;
  token_hash: string;
  token_encrypted: string;
  email: string | null;
  email_normalized: string | null;
  name: string | null;
  metadata: Json;
  status: string;
  email_status: string;
  email_template: string | null;
  reminder_days_before_expiry: number | null;
  expires_at: Timestamp | null;
  started_at: Timestamp | null;
  completed_at: Timestamp | null;
  cancelled_at: Timestamp | null;
  last_sent_at: Timestamp | null;
  send_count: Generated<number>;
  reminders_sent: Generated<number>;
  last_reminder_at: Generated<Timestamp | null>;
  email_sent_at: Generated<Timestamp | null>;
  email_delivered_at: Generated<Timestamp | null>;
  email_opened_at: Generated<Timestamp | null>;
  email_clicked_at: Generated<Timestamp | null>;
  email_bounced_at: Generated<Timestamp | null>;
  verify_attempts: Generated<number>;
  verify_locked_until: Generated<Timestamp | null>;
  start_delay_ms: Generated<number | null>;
  completion_ms: Generated<number | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface EmailMessageTable {
  id: string;
  organization_id: string;
  campaign_id: string;
  invite_id: string;
  kind: string;
  status: string;
  to_address: string;
  message_id: string;
  provider_id: string | null;
  custom_message: string | null;
  attempts: Generated<number>;
  soft_bounces: Generated<number>;
  infra_failures: Generated<number>;
  last_error: string | null;
  next_attempt_at: Timestamp | null;
  sent_at: Timestamp | null;
  delivered_at: Timestamp | null;
  opened_at: Timestamp | null;
  clicked_at: Timestamp | null;
  bounced_at: Timestamp | null;
  failed_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface EmailEventTable {
  id: string;
  message_id: string;
  type: string;
  source: string;
  detail: string | null;
  raw: ColumnType<unknown, string | null, string | null>;
  at: Timestamp;
}

export interface SuppressionTable {
  organization_id: string;
  email: string;
  reason: string;
  detail: string | null;
  created_at: Timestamp;
}

export interface EmailTemplateTable {
  id: string;
  organization_id: string;
  name: string;
  kind: string;
  subject: string;
  html: string;
  text: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SessionTable {
  id: string;
  organization_id: string;
  campaign_id: string;
  invite_id: string;
  script_version_id: string;
  status: string;
  language: string;
  participant_name: string | null;
  participant_email: string | null;
  metadata: Json;
  consent: ColumnType<unknown, string | null, string | null>;
  device: ColumnType<unknown, string | null, string | null>;
  user_agent: string | null;
  ip: string | null;
  step_index: number;
  follow_ups: number;
  pending_follow_up: string | null;
  step_shown_at: Timestamp | null;
  questions_answered: number;
  utterance_count: number;
  total_questions: number;
  abandon_after_minutes: number;
  max_duration_seconds: number | null;
  started_at: Timestamp | null;
  completed_at: Timestamp | null;
  last_seen_at: Timestamp | null;
  abandon_at: Timestamp | null;
  deadline_at: Timestamp | null;
  paused_at: Timestamp | null;
  pause_reason: string | null;
  ended_by: string | null;
  duration_seconds: number | null;
  sentiment: ColumnType<unknown, string | null, string | null>;
  analysis: ColumnType<unknown, string | null, string | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface UtteranceTable {
  id: string;
  session_id: string;
  seq: number;
  speaker: string;
  question_id: string | null;
  kind: string;
  text: string;
  value: ColumnType<unknown, string | null, string | null>;
  start_ms: number;
  end_ms: number;
  sentiment: number | null;
  keywords: ColumnType<unknown, string | null, string | null>;
  created_at: Timestamp;
}

export interface SessionFileTable {
  id: string;
  organization_id: string;
  session_id: string;
  filename: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  storage_key: string;
  created_at: Timestamp;
}

export interface WebhookReceiptTable {
  provider: string;
  token: string;
  expires_at: Timestamp;
}

export interface SendBucketTable {
  name: string;
  tokens: number;
  refilled_at: number;
  slow_until: number;
}

export interface InviteCounterTable {
  campaign_id: string;
  status: string;
  count: number;
}

export interface Database {
  organizations: OrganizationTable;
  api_keys: ApiKeyTable;
  projects: ProjectTable;
  scripts: ScriptTable;
  script_versions: ScriptVersionTable;
  script_media: ScriptMediaTable;
  campaigns: CampaignTable;
  idempotency_keys: IdempotencyKeyTable;
  rate_limits: RateLimitTable;
  jobs: JobTable;
  invites: InviteTable;
  invite_counters: InviteCounterTable;
  email_messages: EmailMessageTable;
  email_events: EmailEventTable;
  suppressions: SuppressionTable;
  email_templates: EmailTemplateTable;
  send_buckets: SendBucketTable;
  webhook_receipts: WebhookReceiptTable;
  sessions: SessionTable;
  utterances: UtteranceTable;
  session_files: SessionFileTable;
}
