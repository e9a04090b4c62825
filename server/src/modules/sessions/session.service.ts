import type { Readable } from 'node:stream';
import type { FileStorage } from '../../adapters/storage/file-storage.js';
import type { Clock } from '../../core/clock.js';
import { AppError, notFound } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Db } from '../../db/database.js';
import { parseJson, toJson } from '../../db/database.js';
import { page, type Page } from '../../http/schemas.js';
import type { CampaignService } from '../campaigns/campaign.service.js';
import { acceptedSessionFileTypes, sniffSessionFile } from '../scripts/media-types.js';
import { alive } from './session-steps.js';
import { createSessionRepository, type SessionFilter, type SessionRow, type SessionSort } from './session.repository.js';

type Obj = Record<string, unknown>;

export interface Session {
  id: string;
  campaignId: string;
  inviteId: string;
  status: string;
  participant: { email: string | null; name: string | null };
  startedAt: string | null;
  completedAt: string | null;
  duration: number | null;
  questionsAnswered: number;
  totalQuestions: number;
  language: string;
  sentiment: { overall: string; score: number } | null;
  device: { browser: string | null; os: string | null; type: string } | null;
  metadata: Obj;
  consent: Obj | null;
  lastSeenAt: string | null;
  pausedAt: string | null;
  pauseReason: string | null;
  endedBy: string | null;
  createdAt: string;
}

export function toSession(row: SessionRow): Session {
  const device = parseJson<Obj | null>(row.device);
  return {
    id: row.id,
    campaignId: row.campaign_id,
    inviteId: row.invite_id,
    status: row.status,
    participant: { email: row.participant_email, name: row.participant_name },
    startedAt: row.started_at,
    completedAt: row.completed_at,
    duration: row.duration_seconds,
    questionsAnswered: row.questions_answered,
    totalQuestions: row.total_questions,
    language: row.language,
    sentiment: parseJson<Session['sentiment']>(row.sentiment),
    device: device && 'type' in device ? (device as Session['device']) : null,
    metadata: parseJson<Obj>(row.metadata),
    consent: parseJson<Obj | null>(row.consent),
    lastSeenAt: row.last_seen_at,
    pausedAt: row.paused_at,
    pauseReason: row.pause_reason,
    endedBy: row.ended_by,
    createdAt: row.created_at,
  };
}

export interface SessionFile {
  id: string;
  sessionId: string;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  createdAt: string;
}

/** The administrator's side of sessions: read them, pause and resume them, attach files. */
/** A stored file as the API shows it. */
function toSessionFile(f: { id: string; session_id: string; filename: string; content_type: string; size_bytes: number; sha256: string; created_at: string }): SessionFile {
  return { id: f.id, sessionId: f.session_id, filename: f.filename, contentType: f.content_type, size: f.size_bytes, sha256: f.sha256, createdAt: f.created_at };
}

export function createSessionService(deps: { db: Db; clock: Clock; campaigns: CampaignService; storage: FileStorage }) {
  const repo = createSessionRepository(deps.db.kysely);
  const db = deps.db.kysely;
  const now = () => deps.clock.now().toISOString();

  async function row(organizationId: string, id: string): Promise<SessionRow> {
    const found = await repo.find(organizationId, id);
    if (!found) throw notFound('Session', id);
    return found;
  }

  const notActive = (session: SessionRow, action: string) =>
    new AppError('SESSION_NOT_ACTIVE', `A ${session.status} session cannot be ${action}`, { status: session.status });

  return {
    row,
    get: async (organizationId: string, id: string) => toSession(await row(organizationId, id)),

    async list(
      organizationId: string,
      campaignId: string,
      filter: SessionFilter,
      sort: SessionSort,
      order: 'asc' | 'desc',
      limit: number,
      offset: number,
    ): Promise<Page<Session>> {
      const campaign = await deps.campaigns.load(organizationId, campaignId);
      const [rows, total] = await Promise.all([repo.list(campaign.id, filter, sort, order, limit, offset), repo.count(campaign.id, filter)]);
      return page(rows.map(toSession), total, limit, offset);
    },

    async pause(organizationId: string, id: string, reason: string | null): Promise<Session> {
      const session = await row(organizationId, id);
      if (session.status !== 'in_progress' && session.status !== 'abandoned') throw notActive(session, 'paused');
      const at = now();
      const patch = { status: 'paused', paused_at: at, pause_reason: reason, abandon_at: null, updated_at: at };
      if (!(await repo.update(id, { status: session.status }, patch))) throw notActive(session, 'paused');
      return toSession({ ...session, ...patch });
    },

    async resume(organizationId: string, id: string): Promise<Session> {
      const session = await row(organizationId, id);
      if (session.status !== 'paused') throw notActive(session, 'resumed');
      const patch = { ...alive(session, deps.clock.now()), paused_at: null, pause_reason: null };
      if (!(await repo.update(id, { status: 'paused' }, patch))) throw notActive(session, 'resumed');
      return toSession({ ...session, ...patch });
    },

    /** A sign of life (used by the SDK): keeps an in-progress session from being abandoned. */
    async heartbeat(organizationId: string, id: string): Promise<Session> {
      const session = await row(organizationId, id);
      if (session.status !== 'in_progress' && session.status !== 'abandoned') throw notActive(session, 'kept alive');
      const patch = alive(session, deps.clock.now());
      if (!(await repo.update(id, { status: session.status }, patch))) throw notActive(session, 'kept alive');
      return toSession({ ...session, ...patch });
    },

    async consent(organizationId: string, id: string, input: { granted: boolean; type: string; ip?: string | undefined }): Promise<Session> {
      const session = await row(organizationId, id);
      if (session.status === 'completed') throw notActive(session, 'given consent');
      const record = { granted: input.granted, type: input.type, at: now(), ip: input.ip ?? null, userAgent: null, source: 'api' };
      const patch = { consent: toJson(record), updated_at: record.at };
      await repo.update(id, {}, patch);
      return toSession({ ...session, ...patch });
    },

    async files(organizationId: string, id: string): Promise<SessionFile[]> {
      await row(organizationId, id);
      const rows = await db.selectFrom('session_files').selectAll().where('session_id', '=', id).orderBy('created_at', 'desc').execute();
      return rows.map(toSessionFile);
    },

    /** Streams the upload to storage, and keeps it only if its bytes are an accepted type. */
    async upload(organizationId: string, id: string, file: { filename?: string; stream: Readable & { truncated?: boolean } }, maxBytes: number): Promise<SessionFile> {
      await row(organizationId, id);
      const fileId = newId('fil');
      const key = `sessions/${organizationId}/${id}/${fileId}`;
      const stored = await deps.storage.write(key, file.stream);
      if (file.stream.truncated) {
        await deps.storage.remove(key);
        throw new AppError('PAYLOAD_TOO_LARGE', `The file is larger than ${maxBytes} bytes`);
      }
      const type = sniffSessionFile(stored.head);
      if (!type || stored.size === 0) {
        await deps.storage.remove(key);
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', `Unsupported file type; accepted: ${acceptedSessionFileTypes}`);
      }
      const base = (file.filename ?? '').split(/[\\/]/).pop()!.replace(/[^A-Za-z0-9._ -]/g, '_').slice(0, 120).trim();
      const record = {
        id: fileId,
        organization_id: organizationId,
        session_id: id,
        filename: base && base !== '.' && base !== '..' ? base : `file.${type.extension}`,
        content_type: type.contentType,
        size_bytes: stored.size,
        sha256: stored.sha256,
        storage_key: key,
        created_at: now(),
      };
      await db.insertInto('session_files').values(record).execute();
      return toSessionFile(record);
    },

    async openFile(organizationId: string, id: string, fileId: string): Promise<{ file: SessionFile; stream: Readable }> {
      await row(organizationId, id);
      const f = await db.selectFrom('session_files').selectAll().where('session_id', '=', id).where('id', '=', fileId).executeTakeFirst();
      if (!f) throw notFound('File', fileId);
      return {
        file: toSessionFile(f),
        stream: deps.storage.read(f.storage_key),
      };
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
