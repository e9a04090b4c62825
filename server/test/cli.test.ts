import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './database.js';

/** The real command, as an operator runs it (built by `npm run build`, which `npm test` runs first). */
const bin = join(import.meta.dirname, '..', 'bin', 'parley.js');
const built = join(import.meta.dirname, '..', 'dist', 'main.js');

let dataDir: string;
let database: TestDatabase | undefined;
let env: Record<string, string>;

beforeAll(async () => {
  if (!existsSync(built)) throw new Error('server/dist is missing: run `npm run build` before these tests');
  dataDir = mkdtempSync(join(tmpdir(), 'parley-cli-'));
  env = { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  if (process.env.PARLEY_TEST_DATABASE_URL) {
    database = await createTestDatabase({ migrate: false });
    await database.db.destroy();
    env.DATABASE_URL = database.url!;
  }
});

afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  if (database) {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: process.env.PARLEY_TEST_DATABASE_URL });
    await client.connect();
    await client.query(`drop database if exists ${new URL(database.url!).pathname.slice(1)} with (force)`);
    await client.end();
  }
});

function run(args: string[], extraEnv: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [bin, ...args], { env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startServer(port: number, args: string[] = ['serve']) {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...env, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: `http://127.0.0.1:${port}` },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`server did not start:\n${stdout}\n${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    output: () => stdout,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

describe('the parley command', () => {
  it('migrate applies migrations once', () => {
    const first = run(['migrate']);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain('0001_foundation');
    const second = run(['migrate']);
    expect(second.stdout).toContain('Already up to date');
  });

  it('serve creates an organization and prints its admin key once, on first start only', async () => {
    const port = await freePort();
    const server = await startServer(port);
    try {
      const key = /prl_[0-9A-Za-z]{43}/.exec(server.output())?.[0];
      expect(key, server.output()).toBeDefined();
      expect(server.output()).toContain(`Authorization: Bearer ${key}`);
      const org = await fetch(`http://127.0.0.1:${port}/v1/organization`, { headers: { authorization: `Bearer ${key}` } });
      expect(org.status).toBe(200);
      expect(((await org.json()) as { plan: string }).plan).toBe('professional');
      const docs = await fetch(`http://127.0.0.1:${port}/v1/openapi.json`);
      expect(((await docs.json()) as { openapi: string }).openapi).toBe('3.1.0');
    } finally {
      await server.stop();
    }
    const again = await startServer(port, ['serve', '--role', 'api']);
    try {
      expect(again.output()).not.toMatch(/prl_[0-9A-Za-z]{43}/);
    } finally {
      await again.stop();
    }
  });

  it('generates a 0600 secret file when PARLEY_SECRET is unset, and keeps it', () => {
    const file = join(dataDir, 'parley-secret');
    run(['migrate']);
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const before = statSync(file).mtimeMs;
    run(['migrate']);
    expect(statSync(file).mtimeMs).toBe(before);
  });

  it('api-keys create makes the organization if needed and prints the key alone on the last line', async () => {
    const created = run(['api-keys', 'create', '--org', 'Acme Research', '--plan', 'starter', '--scopes', 'campaigns:read,invites:read', '--name', 'CI']);
    expect(created.status, created.stderr).toBe(0);
    const lines = created.stdout.trim().split('\n');
    const key = lines.at(-1)!;
    expect(key).toMatch(/^prl_[0-9A-Za-z]{43}$/);
    expect(created.stdout).toContain('Created organization "Acme Research"');

    const second = run(['api-keys', 'create', '--org', 'Acme Research']);
    expect(second.status).toBe(0);
    expect(second.stdout).toContain('Found organization "Acme Research"');
    const secondKey = second.stdout.trim().split('\n').at(-1)!;
    expect(secondKey).not.toBe(key);

    const port = await freePort();
    const server = await startServer(port, ['serve', '--role', 'api']);
    try {
      const ok = await fetch(`http://127.0.0.1:${port}/v1/campaigns`, { headers: { authorization: `Bearer ${key}` } });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('x-ratelimit-limit')).toBe('300');
      const denied = await fetch(`http://127.0.0.1:${port}/v1/organization`, { headers: { authorization: `Bearer ${key}` } });
      expect(denied.status).toBe(403);
      const full = await fetch(`http://127.0.0.1:${port}/v1/organization`, { headers: { authorization: `Bearer ${secondKey}` } });
      expect(((await full.json()) as { name: string }).name).toBe('Acme Research');
    } finally {
      await server.stop();
    }
  });

  it('refuses bad arguments and bad configuration with a message naming the problem', () => {
    const noOrg = run(['api-keys', 'create']);
    expect(noOrg.status).toBe(2);
    expect(noOrg.stderr).toContain('--org');
    const badPlan = run(['api-keys', 'create', '--org', 'X', '--plan', 'gold']);
    expect(badPlan.status).toBe(2);
    expect(badPlan.stderr).toContain('--plan');
    const badScope = run(['api-keys', 'create', '--org', 'X', '--scopes', 'campaigns:read,root']);
    expect(badScope.status).toBe(2);
    expect(badScope.stderr).toContain('root');
    const badRole = run(['serve', '--role', 'everything']);
    expect(badRole.status).toBe(2);
    expect(run(['frobnicate']).status).toBe(2);

    const badPort = run(['migrate'], { PORT: 'eighty' });
    expect(badPort.status).toBe(1);
    expect(badPort.stderr).toContain('PORT');
    const badDb = run(['migrate'], { DATABASE_URL: 'mysql://localhost/parley' });
    expect(badDb.status).toBe(1);
    expect(badDb.stderr).toContain('DATABASE_URL');
    const badUrl = run(['migrate'], { PUBLIC_URL: 'ftp://example.com' });
    expect(badUrl.stderr).toContain('PUBLIC_URL');
    const shortSecret = run(['migrate'], { PARLEY_SECRET: 'short' });
    expect(shortSecret.stderr).toContain('PARLEY_SECRET');
    const badLevel = run(['migrate'], { LOG_LEVEL: 'loud' });
    expect(badLevel.stderr).toContain('LOG_LEVEL');
    expect(run(['help']).stdout).toContain('api-keys create');
  });
});
