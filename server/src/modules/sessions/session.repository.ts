import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { Db, SqliteConnection } from '../../db/database.js';
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

/** What an answer must find unchanged to be saved (a compare-and-set). */
export type AnswerExpectation = Pick<SessionRow, 'status' | 'step_index' | 'follow_ups'>;

/**
 * The two statements of an interview's hot path: read a session, and save an answer (the
 * session's new position and the answer's utterances, together, if the session is still where
 * the answer found it). On PostgreSQL they go through Kysely like everything else. On SQLite
 * they use prepared statements directly, each call holding the connection once and running
 * synchronously: through the query builder, the four awaited statements of a transaction cost
 * more than the SQL itself, and bench:interview's answers ran about 35% slower (see
 * ARCHITECTURE.md). The SQL is the same on both; the test suite runs both.
 */
export function createAnswerStore(db: Db) {
  const repo = createSessionRepository(db.kysely);
  const sqlite = db.sqlite;
  if (!sqlite) {
    return {
      find: (id: string) => repo.findById(id),
      save: (id: string, expected: AnswerExpectation, patch: Updateable<SessionTable>, lines: Insertable<UtteranceTable>[]) =>
        db.kysely.transaction().execute(async (trx) => {
          const r = createSessionRepository(trx);
          if (!(await r.update(id, expected, patch))) return false;
          await r.insertUtterances(lines);
          return true;
        }),
    };
  }

  const quoted = (columns: string[]) => columns.map((c) => `"${c}"`);
  let save: ((c: SqliteConnection, id: string, expected: AnswerExpectation, patch: Updateable<SessionTable>, lines: Insertable<UtteranceTable>[]) => boolean) | undefined;
  const saveIn = (c: SqliteConnection) =>
    (save ??= c.transaction((c: SqliteConnection, id: string, expected: AnswerExpectation, patch: Updateable<SessionTable>, lines: Insertable<UtteranceTable>[]) => {
      // Column names come from Parley's own objects, never from input.
      const set = Object.keys(patch) as (keyof typeof patch)[];
      const update = c.statement(
        `update "sessions" set ${quoted(set).map((column) => `${column} = ?`).join(', ')} where "id" = ? and "status" = ? and "step_index" = ? and "follow_ups" = ?`,
      );
      const changed = update.run(...set.map((k) => patch[k] ?? null), id, expected.status, expected.step_index, expected.follow_ups).changes === 1;
      if (!changed || lines.length === 0) return changed;
      const columns = Object.keys(lines[0]!) as (keyof Insertable<UtteranceTable>)[];
      const row = `(${columns.map(() => '?').join(', ')})`;
      c.statement(`insert into "utterances" (${quoted(columns).join(', ')}) values ${lines.map(() => row).join(', ')}`).run(
        ...lines.flatMap((line) => columns.map((k) => line[k] ?? null)),
      );
      return true;
    }));
  return {
    find: (id: string) =>
      sqlite.exclusive((c) => c.statement('select * from "sessions" where "id" = ?').get(id) as SessionRow | undefined),
    save: (id: string, expected: AnswerExpectation, patch: Updateable<SessionTable>, lines: Insertable<UtteranceTable>[]) =>
      sqlite.exclusive((c) => saveIn(c)(c, id, expected, patch, lines)),
  };
}

export type AnswerStore = ReturnType<typeof createAnswerStore>;
