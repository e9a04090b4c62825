import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql, type SqliteDatabase } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

export interface Db {
  readonly kysely: Kysely<Database>;
  readonly dialect: DialectName;
  destroy(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres:// URL; when absent, SQLite at `sqliteFile`. */
  databaseUrl?: string | undefined;
  /** A file path, or ':memory:' (tests). */
  sqliteFile: string;
  poolSize?: number;
  onPoolError?: (error: Error) => void;
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
  sqlite.pragma('wal_autocheckpoint = 10000');
  // SQLite's lower() folds ASCII only; searches must find "Éclair" from "éclair" as PostgreSQL does.
  sqlite.function('lower', { deterministic: true }, (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : value));
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return { kysely, dialect: 'sqlite', destroy: () => kysely.destroy() };
}

/**
 * Kysely prepares every query anew; preparing is a large part of a small query's cost on
 * SQLite. Parley's queries come from a fixed set of shapes, so prepared statements are kept,
 * keyed by their SQL text (least recently used first out).
 */
function withStatementCache(sqlite: SQLite.Database, size = 1000): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sqlText: string) {
      let statement = statements.get(sqlText);
      if (statement) {
        statements.delete(sqlText);
      } else {
        statement = sqlite.prepare(sqlText);
        if (statements.size >= size) statements.delete(statements.keys().next().value!);
      }
      statements.set(sqlText, statement);
      return statement as unknown as ReturnType<SqliteDatabase['prepare']>;
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
