import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql, type SqliteDatabase } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

export interface Db {
  readonly kysely: Kysely<Database>;
  readonly dialect: DialectName;
  /** SQLite only: direct, synchronous access for the few hottest paths (see `SqliteAccess`). */
  readonly sqlite?: SqliteAccess | undefined;
  /** SQLite with background checkpoints: the thread that does them. */
  readonly checkpointThread?: Worker | undefined;
  destroy(): Promise<void>;
}

/**
 * The SQLite connection without the query builder, for paths where its cost shows (an
 * interview's answers: see ARCHITECTURE.md). `exclusive` holds the connection Kysely uses for
 * as long as `work` runs, so no Kysely query or transaction can be under way meanwhile; `work`
 * must be synchronous (better-sqlite3 is). Statements come from the same cache Kysely's
 * queries use.
 */
export interface SqliteAccess {
  exclusive<T>(work: (connection: SqliteConnection) => T): Promise<T>;
}

export interface SqliteConnection {
  /** A prepared statement for `sqlText`, prepared once. */
  statement(sqlText: string): SQLite.Statement;
  /** better-sqlite3's transaction wrapper: BEGIN, COMMIT, or ROLLBACK when `fn` throws. */
  transaction<F extends (...args: never[]) => unknown>(fn: F): SQLite.Transaction<F>;
}

export interface CheckpointSettings {
  /** How often the thread copies the log into the database file. */
  intervalMs?: number;
  /** A log at least this long (in pages) is made to start over. */
  restartFrames?: number;
}

export interface DatabaseOptions {
  /** postgres:// URL; when absent, SQLite at `sqliteFile`. */
  databaseUrl?: string | undefined;
  /** A file path, or ':memory:' (tests). */
  sqliteFile: string;
  poolSize?: number;
  onPoolError?: (error: Error) => void;
  /**
   * SQLite files only: copy the write-ahead log into the database file on a worker thread
   * instead of inside whichever commit crosses the log's size limit (see `startCheckpointer`).
   * For long-running servers; short commands leave it off.
   */
  backgroundCheckpoints?: boolean | CheckpointSettings;
  /** Called if the checkpoint thread fails; checkpoints then return to the main thread. */
  onCheckpointerError?: (error: Error) => void;
}

/** Timestamps come back as ISO strings and bigints as numbers, as on SQLite. */
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.TIMESTAMPTZ || oid === pg.types.builtins.TIMESTAMP) {
      const parseDate = pg.types.getTypeParser(oid, 'text') as (v: string) => Date;
      return (value: string) => parseDate(value).toISOString();
    }
    if (oid === pg.types.builtins.INT8) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

export function createDatabase(options: DatabaseOptions): Db {
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 10,
      types: pgTypes as unknown as pg.CustomTypesConfig,
    });
    // An idle client can fail (server restart, admin shutdown); without a listener the
    // process would crash. The pool replaces the client on the next checkout.
    pool.on('error', options.onPoolError ?? ((error) => process.stderr.write(`database connection lost: ${error.message}\n`)));
    const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { kysely, dialect: 'postgres', destroy: () => kysely.destroy() };
  }
  if (options.sqliteFile !== ':memory:') mkdirSync(join(options.sqliteFile, '..'), { recursive: true });
  const sqlite = new SQLite(options.sqliteFile);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // 64 MB of page cache: index inserts into large tables stay in memory.
  sqlite.pragma('cache_size = -65536');
  sqlite.pragma('temp_store = memory');
  // Checkpoint every ~40 MB of WAL instead of ~4 MB: index pages written again and again by
  // bulk inserts reach the database file once per checkpoint, not once per transaction.
  sqlite.pragma(`wal_autocheckpoint = ${walAutocheckpointPages}`);
  // SQLite's lower() folds ASCII only; searches must find "Éclair" from "éclair" as PostgreSQL does.
  sqlite.function('lower', { deterministic: true }, (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : value));
  const cached = withStatementCache(sqlite);
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: cached.database }) });
  const connection: SqliteConnection = {
    statement: cached.statement,
    transaction: (fn) => sqlite.transaction(fn),
  };
  const access: SqliteAccess = {
    exclusive: (work) => kysely.connection().execute(async () => work(connection)),
  };
  const checkpoints = options.backgroundCheckpoints === true ? {} : options.backgroundCheckpoints;
  // The restart goes through Kysely, so it waits for the connection like any query and never
  // runs inside another request's transaction.
  const restartLog = async () => {
    await sql`pragma wal_checkpoint(RESTART)`.execute(kysely);
  };
  const checkpointer =
    checkpoints && options.sqliteFile !== ':memory:'
      ? startCheckpointer(sqlite, options.sqliteFile, checkpoints, restartLog, options.onCheckpointerError)
      : undefined;
  return {
    kysely,
    dialect: 'sqlite',
    sqlite: access,
    checkpointThread: checkpointer?.worker,
    async destroy() {
      await checkpointer?.stop();
      await kysely.destroy();
    },
  };
}

/** Automatic checkpoints on the main connection, when no checkpoint thread does the work. */
const walAutocheckpointPages = 10_000;

/**
 * The checkpoint thread's code: every `intervalMs` it copies what the write-ahead log holds
 * into the database file (PASSIVE: it never waits for, nor blocks, readers and writers). When
 * the log has grown long it asks the main thread to make it start over, and waits for the
 * answer before copying again. It closes its connection when asked to stop.
 */
const checkpointerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 0');
let timer;
let waiting = false;
const run = () => {
  if (!waiting) {
    try {
      const [state] = db.pragma('wal_checkpoint(PASSIVE)');
      if (state && state.log >= workerData.restartFrames) {
        waiting = true;
        parentPort.postMessage('restart');
      }
    } catch (error) {
      // SQLITE_BUSY: another process's checkpoint is running; the next round tries again.
      if (error.code !== 'SQLITE_BUSY' && error.code !== 'SQLITE_LOCKED') throw error;
    }
  }
  timer = setTimeout(run, workerData.intervalMs);
};
run();
parentPort.on('message', (message) => {
  if (message === 'restarted') waiting = false;
  if (message !== 'stop') return;
  clearTimeout(timer);
  db.close();
  parentPort.postMessage('stopped');
  parentPort.close();
});
`;

/**
 * With automatic checkpoints, one commit in a few thousand copies megabytes of log into the
 * database file and syncs it: tens of milliseconds during which the event loop, and every
 * request waiting on it, stands still. Here the main connection does not checkpoint on its own;
 * a worker thread with its own connection copies the log continuously, a few times a second.
 *
 * Under a steady stream of commits the log would never be found fully copied at the moment a
 * commit begins, so it would never start over and would grow without end. So once it is
 * `restartFrames` long, the thread asks the main thread for a RESTART checkpoint, which copies
 * the little the thread has not yet copied and makes the next commit write from the log's
 * beginning. That one runs on the main connection on purpose: on the thread's connection it
 * would hold the write lock while waiting for readers, and a transaction of ours that had read
 * before writing would then fail with "database is locked" rather than wait.
 *
 * If the thread fails, the main connection checkpoints automatically again.
 */
function startCheckpointer(
  sqlite: SQLite.Database,
  file: string,
  settings: CheckpointSettings,
  restartLog: () => Promise<void>,
  onError?: (error: Error) => void,
) {
  const { intervalMs = 200, restartFrames = walAutocheckpointPages } = settings;
  sqlite.pragma('wal_autocheckpoint = 0');
  // After the log starts over, its file is cut back to this size (it keeps its largest size otherwise).
  sqlite.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
  let stopping = false;
  const worker = new Worker(checkpointerSource, {
    eval: true,
    workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), file, intervalMs, restartFrames },
  });
  worker.on('message', (message) => {
    if (message !== 'restart' || stopping) return;
    restartLog()
      .catch(() => {
        // Busy (another process reading or checkpointing): the thread asks again later.
      })
      .finally(() => {
        if (!stopping) worker.postMessage('restarted');
      });
  });
  // It never keeps the process alive on its own.
  worker.unref();
  const fallBack = (error: Error) => {
    if (stopping) return;
    stopping = true;
    if (sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${walAutocheckpointPages}`);
    onError?.(error);
  };
  worker.on('error', fallBack);
  worker.on('exit', (code) => fallBack(new Error(`the checkpoint thread stopped (exit code ${code})`)));
  return {
    worker,
    /** Lets the thread finish its round and close its connection (before the main one closes). */
    async stop(): Promise<void> {
      if (stopping) return;
      stopping = true;
      await new Promise<void>((resolve) => {
        const timeout = setTimeout(() => void worker.terminate().then(() => resolve()), 5_000);
        worker.once('exit', () => {
          clearTimeout(timeout);
          resolve();
        });
        worker.postMessage('stop');
      });
    },
  };
}

/**
 * Kysely prepares every query anew; preparing is a large part of a small query's cost on
 * SQLite. Parley's queries come from a fixed set of shapes, so prepared statements are kept,
 * keyed by their SQL text. A hit is one map lookup; should the shapes ever exceed `size`
 * (they number in the hundreds), the cache starts afresh.
 */
function withStatementCache(sqlite: SQLite.Database, size = 2000): { database: SqliteDatabase; statement: (sqlText: string) => SQLite.Statement } {
  const statements = new Map<string, SQLite.Statement>();
  const statement = (sqlText: string) => {
    let found = statements.get(sqlText);
    if (!found) {
      found = sqlite.prepare(sqlText);
      if (statements.size >= size) statements.clear();
      statements.set(sqlText, found);
    }
    return found;
  };
  return {
    statement,
    database: {
      close: () => sqlite.close(),
      prepare: (sqlText: string) => statement(sqlText) as unknown as ReturnType<SqliteDatabase['prepare']>,
    },
  };
}

export async function ping(db: Db): Promise<void> {
  await sql`select 1`.execute(db.kysely);
}

/**
 * JSON columns are text on SQLite and jsonb on PostgreSQL; this is the one place they are read.
 * Store objects or arrays only: a bare JSON string comes back from PostgreSQL already parsed,
 * and could not be told apart from SQLite's text here.
 */
export function parseJson<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

export function toJson(value: unknown): string {
  return JSON.stringify(value ?? null);
}
