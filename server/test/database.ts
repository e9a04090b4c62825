import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDatabase, type Db } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';

/** Set by CI to run the whole suite on PostgreSQL as well as SQLite. */
export const testPostgresUrl = process.env.PARLEY_TEST_DATABASE_URL;
export const testDialect = testPostgresUrl ? 'postgres' : 'sqlite';

export interface TestDatabase {
  db: Db;
  /** The postgres:// URL of this test's own database, when on PostgreSQL. */
  url: string | undefined;
  drop(): Promise<void>;
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testPostgresUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh, migrated database: in-memory SQLite, or a new PostgreSQL database of its own. */
export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const migrate = options.migrate ?? true;
  if (!testPostgresUrl) {
    const db = createDatabase({ sqliteFile: ':memory:' });
    if (migrate) await migrateToLatest(db);
    return { db, url: undefined, drop: () => db.destroy() };
  }
  const name = `parley_t_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`create database ${name}`));
  const url = new URL(testPostgresUrl);
  url.pathname = `/${name}`;
  const db = createDatabase({ databaseUrl: url.toString(), sqliteFile: '', poolSize: 5, onPoolError: () => {} });
  if (migrate) await migrateToLatest(db);
  return {
    db,
    url: url.toString(),
    async drop() {
      await db.destroy();
      await admin((c) => c.query(`drop database if exists ${name} with (force)`));
    },
  };
}
