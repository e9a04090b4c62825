import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { Database, SessionTable, UtteranceTable } from '../../db/schema.js';

export type SessionRow = Selectable<SessionTable>;
export type UtteranceRow = Selectable<UtteranceTable>;

export interface SessionFilter {
  status?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

const sortColumns = { createdAt: 'created_at', completedAt: 'completed_at', duration: 'duration_seconds' } as const;
export type SessionSort = keyof typeof sortColumns;

export function createSessionRepository(db: Kysely<Database>) {
  function filtered(campaignId: string, filter: SessionFilter) {
    let q = db.selectFrom('sessions').where('campaign_id', '=', campaignId);
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.from) q = q.where('created_at', '>=', filter.from);
    if (filter.to) q = q.where('created_at', '<', filter.to);
    return q;
  }

  return {
    /** Inserts, unless the invite already has its session; true when this call inserted it. */
    async insert(row: Insertable<SessionTable>): Promise<boolean> {
      const result = await db.insertInto('sessions').values(row).onConflict((oc) => oc.column('invite_id').doNothing()).executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    async find(organizationId: string, id: string): Promise<SessionRow | undefined> {
      return db.selectFrom('sessions').selectAll().where('organization_id', '=', organizationId).where('id', '=', id).executeTakeFirst();
    },
    async findById(id: string): Promise<SessionRow | undefined> {
      return db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async findByInvite(inviteId: string): Promise<SessionRow | undefined> {
      return db.selectFrom('sessions').selectAll().where('invite_id', '=', inviteId).executeTakeFirst();
    },
    async list(campaignId: string, filter: SessionFilter, sort: SessionSort, order: 'asc' | 'desc', limit: number, offset: number): Promise<SessionRow[]> {
      return filtered(campaignId, filter).selectAll().orderBy(sortColumns[sort], order).orderBy('id', order).limit(limit).offset(offset).execute();
    },
    async count(campaignId: string, filter: SessionFilter): Promise<number> {
      const row = await filtered(campaignId, filter).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return Number(row.n);
    },
    /** Changes a session only if it is still as the caller last read it (a compare-and-set). */
    async update(id: string, expected: Partial<Pick<SessionRow, 'status' | 'step_index' | 'follow_ups'>>, patch: Updateable<SessionTable>): Promise<boolean> {
      let q = db.updateTable('sessions').set(patch).where('id', '=', id);
      if (expected.status !== undefined) q = q.where('status', '=', expected.status);
      if (expected.step_index !== undefined) q = q.where('step_index', '=', expected.step_index);
      if (expected.follow_ups !== undefined) q = q.where('follow_ups', '=', expected.follow_ups);
      const result = await q.executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async utterances(sessionId: string): Promise<UtteranceRow[]> {
      return db.selectFrom('utterances').selectAll().where('session_id', '=', sessionId).orderBy('seq').execute();
    },
    /** What was said about one question of a session, in order. */
    async thread(sessionId: string, questionId: string): Promise<Pick<UtteranceRow, 'speaker' | 'text'>[]> {
      return db
        .selectFrom('utterances')
        .select(['speaker', 'text'])
        .where('session_id', '=', sessionId)
        .where('question_id', '=', questionId)
        .orderBy('seq')
        .execute();
    },
    async insertUtterances(rows: Insertable<UtteranceTable>[]): Promise<void> {
      if (rows.length > 0) await db.insertInto('utterances').values(rows).execute();
    },
    async updateUtterance(id: string, patch: Updateable<UtteranceTable>): Promise<void> {
      await db.updateTable('utterances').set(patch).where('id', '=', id).execute();
    },
    /** In-progress sessions whose participant went quiet past their abandon time. */
    async quiet(now: string, limit: number): Promise<SessionRow[]> {
      return db.selectFrom('sessions').selectAll().where('status', '=', 'in_progress').where('abandon_at', '<=', now).limit(limit).execute();
    },
    /** Open sessions whose time limit has passed. */
    async overtime(now: string, limit: number): Promise<SessionRow[]> {
      return db
        .selectFrom('sessions')
        .selectAll()
        .where('status', 'in', ['in_progress', 'abandoned', 'paused'])
        .where('deadline_at', '<=', now)
        .limit(limit)
        .execute();
    },
  };
}

export type SessionRepository = ReturnType<typeof createSessionRepository>;
