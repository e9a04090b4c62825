import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import pino from 'pino';
import { buildApp } from '../src/app.js';
import { createKeyForOrganization } from '../src/bootstrap.js';
import { loadConfig, type Config } from '../src/config.js';
import { loggerOptions } from '../src/http/logging.js';
import type { RemoteFetcher } from '../src/adapters/http/certificates.js';
import { createWorker } from '../src/jobs/worker.js';
import type { Db } from '../src/db/database.js';
import type { Scope } from '../src/modules/api-keys/scopes.js';
import type { Plan } from '../src/modules/organizations/plans.js';
import { createServices, type Services } from '../src/services.js';
import { TestClock } from './clock.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export const testPublicUrl = 'https://parley.test';

export interface TestApp {
  app: FastifyInstance;
  services: Services;
  db: Db;
  config: Config;
  clock: TestClock;
  /** Creates an organization with one key; every call makes a new organization. */
  newOrg(options?: { plan?: Plan; scopes?: Scope[]; rateLimit?: number }): Promise<{ organizationId: string; key: string; api: Api }>;
  /** Another app (as another API process would be) over the same database. */
  sibling(): Promise<TestApp>;
  close(): Promise<void>;
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | number | undefined>;
  raw: string;
}

export type Api = ReturnType<typeof apiClient>;

/** Small JSON client over `app.inject`, authenticated with `key` (or none). */
export function apiClient(app: FastifyInstance, key?: string) {
  async function call<T = any>(method: InjectOptions['method'], url: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const res = await app.inject({
      method,
      url,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
      ...(body !== undefined ? { payload: body as InjectOptions['payload'] } : {}),
    });
    let parsed: unknown = undefined;
    if (res.body && String(res.headers['content-type'] ?? '').includes('json')) parsed = JSON.parse(res.body);
    return { status: res.statusCode, body: parsed as T, headers: res.headers, raw: res.body };
  }
  return {
    get: <T = any>(url: string, headers?: Record<string, string>) => call<T>('GET', url, undefined, headers),
    post: <T = any>(url: string, body?: unknown, headers?: Record<string, string>) => call<T>('POST', url, body ?? {}, headers),
    patch: <T = any>(url: string, body: unknown, headers?: Record<string, string>) => call<T>('PATCH', url, body, headers),
    put: <T = any>(url: string, body: unknown, headers?: Record<string, string>) => call<T>('PUT', url, body, headers),
    delete: <T = any>(url: string, headers?: Record<string, string>) => call<T>('DELETE', url, undefined, headers),
  };
}

let orgCounter = 0;

async function assemble(
  database: TestDatabase,
  dataDir: string,
  clock: TestClock,
  env: Record<string, string>,
  owner: boolean,
  logStream?: NodeJS.WritableStream,
  outside: { fetcher?: RemoteFetcher } = {},
): Promise<TestApp> {
  const { config } = loadConfig({
    DATA_DIR: dataDir,
    PARLEY_SECRET: 'test-secret-test-secret-test-secret-0123456789',
    PUBLIC_URL: testPublicUrl,
    LOG_LEVEL: process.env.PARLEY_TEST_LOG_LEVEL ?? 'silent',
    ...env,
  });
  const logger = logStream ? pino({ ...loggerOptions('trace') }, logStream) : pino({ level: config.logLevel });
  const services = createServices({ config, db: database.db, clock, logger, ...outside });
  const app = await buildApp(services, { logger });
  await app.ready();
  const self: TestApp = {
    app,
    services,
    db: database.db,
    config,
    clock,
    async newOrg(options = {}) {
      const created = await createKeyForOrganization(database.db, clock, {
        org: `Test org ${process.pid}-${++orgCounter}-${Math.random().toString(36).slice(2, 8)}`,
        plan: options.plan ?? 'professional',
        scopes: options.scopes,
        rateLimit: options.rateLimit,
      });
      return { organizationId: created.organization.id, key: created.key, api: apiClient(app, created.key) };
    },
    sibling: () => assemble(database, dataDir, clock, env, false, undefined, outside),
    async close() {
      await app.close();
      await services.close();
      if (owner) {
        await database.drop();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
  return self;
}

/** A real app on a real, fresh database (SQLite, or PostgreSQL when configured). */
export async function createTestApp(
  options: { env?: Record<string, string>; logStream?: NodeJS.WritableStream; fetcher?: RemoteFetcher } = {},
): Promise<TestApp> {
  const database = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-test-'));
  return assemble(database, dataDir, new TestClock(), options.env ?? {}, true, options.logStream, options.fetcher ? { fetcher: options.fetcher } : {});
}

/** Runs every due job once (as a worker would), for tests that move time by hand. */
export async function runJobs(t: TestApp): Promise<number> {
  return createWorker({ queue: t.services.queue, definitions: t.services.jobs, logger: pino({ level: 'silent' }) }).drain();
}
