import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabase, type CheckpointSettings, type Db } from '../src/db/database.js';
import { testDialect } from './database.js';

/** SQLite files only (the PostgreSQL run of the suite has nothing to add here). */
describe.skipIf(testDialect === 'postgres')('SQLite checkpoints on a thread of their own', () => {
  const dirs: string[] = [];
  const open: Db[] = [];
  afterEach(async () => {
    for (const db of open.splice(0)) await db.destroy();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function openDb(settings: boolean | CheckpointSettings, onCheckpointerError?: (error: Error) => void) {
    const dir = mkdtempSync(join(tmpdir(), 'parley-ckpt-'));
    dirs.push(dir);
    const file = join(dir, 'parley.db');
    const db = createDatabase({ sqliteFile: file, backgroundCheckpoints: settings, ...(onCheckpointerError ? { onCheckpointerError } : {}) });
    open.push(db);
    return { db, file, wal: `${file}-wal` };
  }

  const pragma = async (db: Db, name: string) => Object.values((await sql.raw(`pragma ${name}`).execute(db.kysely)).rows[0] as object)[0];

  /** `count` commits of one 64 KB row each (16 pages), yielding between them as requests do. */
  async function write(db: Db, count: number) {
    await sql`create table if not exists blobs (id integer primary key, data blob not null)`.execute(db.kysely);
    for (let i = 0; i < count; i++) {
      await sql`insert into blobs (data) values (${randomBytes(64 * 1024)})`.execute(db.kysely);
      await sleep(1);
    }
  }

  async function until(check: () => boolean, what: string, ms = 5_000) {
    const end = Date.now() + ms;
    while (!check()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await sleep(20);
    }
  }

  it('the main connection never checkpoints; the thread copies the log into the database file', async () => {
    const { db, file } = openDb({ intervalMs: 20 });
    expect(await pragma(db, 'wal_autocheckpoint')).toBe(0);
    expect(db.checkpointThread).toBeDefined();
    const before = statSync(file).size;
    await write(db, 40);
    // 40 × 64 KB reach the database file only through a checkpoint.
    await until(() => statSync(file).size >= before + 40 * 64 * 1024, 'the database file to hold the rows');
  });

  it('a log under a steady stream of commits starts over instead of growing without end', async () => {
    // 500 pages = 2 MB: 20 MB written must not leave a log anywhere near 20 MB.
    const { db, wal } = openDb({ intervalMs: 20, restartFrames: 500 });
    await write(db, 320);
    expect(statSync(wal).size).toBeLessThan(8 * 1024 * 1024);
    expect(await db.kysely.selectFrom('blobs' as never).select(sql<number>`count(*)`.as('n')).executeTakeFirst()).toEqual({ n: 320 });
  });

  it('transactions that read before they write never meet a locked database while the log starts over', async () => {
    const { db } = openDb({ intervalMs: 5, restartFrames: 64 });
    await sql`create table if not exists blobs (id integer primary key, data blob not null)`.execute(db.kysely);
    const participant = async () => {
      for (let i = 0; i < 60; i++) {
        await db.kysely.transaction().execute(async (trx) => {
          await sql`select count(*) from blobs`.execute(trx);
          await sleep(0);
          await sql`insert into blobs (data) values (${randomBytes(16 * 1024)})`.execute(trx);
        });
      }
    };
    await Promise.all(Array.from({ length: 4 }, participant));
    expect(await db.kysely.selectFrom('blobs' as never).select(sql<number>`count(*)`.as('n')).executeTakeFirst()).toEqual({ n: 240 });
  });

  it('if the thread dies, the main connection checkpoints automatically again, and the error is reported', async () => {
    const errors: Error[] = [];
    const { db } = openDb(true, (error) => errors.push(error));
    await db.checkpointThread!.terminate();
    await until(() => errors.length === 1, 'the error report');
    expect(errors[0]!.message).toMatch(/checkpoint thread stopped/);
    expect(await pragma(db, 'wal_autocheckpoint')).toBe(10_000);
  });

  it('closing stops the thread first, so the last connection folds the log in and removes it', async () => {
    const { db, wal } = openDb(true);
    await write(db, 5);
    expect(existsSync(wal)).toBe(true);
    await db.destroy();
    open.splice(open.indexOf(db), 1);
    expect(existsSync(wal)).toBe(false);
  });

  it('is off unless asked for (short commands), and for in-memory databases', async () => {
    const { db } = openDb(false);
    expect(db.checkpointThread).toBeUndefined();
    expect(await pragma(db, 'wal_autocheckpoint')).toBe(10_000);
    const memory = createDatabase({ sqliteFile: ':memory:', backgroundCheckpoints: true });
    open.push(memory);
    expect(memory.checkpointThread).toBeUndefined();
  });
});
