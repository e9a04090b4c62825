import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { buildApp } from './app.js';
import { createKeyForOrganization, ensureFirstOrganization } from './bootstrap.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { systemClock } from './core/clock.js';
import { createDatabase, type Db } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { loggerOptions } from './http/logging.js';
import { createWorker } from './jobs/worker.js';
import { isScope, scopes as allScopes, type Scope } from './modules/api-keys/scopes.js';
import { maxEnterpriseRateLimit, plans, type Plan } from './modules/organizations/plans.js';
import { createServices } from './services.js';

const usage = `Usage: parley <command> [options]

Commands:
  serve [--role api|worker|all]   Serve the API and run the worker (default: all)
  worker                          Run the job worker only (same as serve --role worker)
  migrate                         Apply database migrations and exit
  api-keys create --org <name> [--plan free|starter|professional|enterprise]
                  [--scopes <a,b,...>] [--name <label>] [--rate-limit <per minute>]
                                  Create an API key (and the organization if it is new);
                                  the key is printed alone on the last line
  help                            Show this help

Configuration comes from environment variables: PORT, HOST, DATA_DIR, DATABASE_URL,
PUBLIC_URL, PARLEY_SECRET, LOG_LEVEL (see README).`;

class UsageError extends Error {}

function openDatabase(config: Config, logger?: pino.Logger): Db {
  return createDatabase({
    databaseUrl: config.databaseUrl,
    sqliteFile: join(config.dataDir, 'parley.db'),
    poolSize: config.databasePoolSize,
    // A server (the only caller with a logger) checkpoints SQLite's log on a thread of its own.
    ...(logger
      ? {
          onPoolError: (err: Error) => logger.error({ err }, 'idle database connection failed'),
          backgroundCheckpoints: true,
          onCheckpointerError: (err: Error) => logger.error({ err }, 'the SQLite checkpoint thread failed; checkpoints are back on the main thread'),
        }
      : {}),
  });
}

async function serve(role: 'api' | 'worker' | 'all'): Promise<void> {
  const { config, warnings } = loadConfig();
  const logger = pino(loggerOptions(config.logLevel));
  for (const warning of warnings) logger.warn(warning);
  const db = openDatabase(config, logger);
  const applied = await migrateToLatest(db);
  if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');

  const first = await ensureFirstOrganization(db, systemClock);
  if (first) {
    // Printed once, to the terminal, never through the logger.
    process.stdout.write(
      [
        '',
        '================================================================================',
        ` Parley created the organization "${first.organization.name}" and its first admin API key:`,
        '',
        `   ${first.key}`,
        '',
        ' It is shown only this once: store it now. Use it as a Bearer token, for example:',
        `   curl -H "Authorization: Bearer ${first.key}" ${config.publicUrl}/v1/organization`,
        ` API documentation: ${config.publicUrl}/docs`,
        '================================================================================',
        '',
      ].join('\n') + '\n',
    );
  }

  const services = createServices({ config, db, clock: systemClock, logger });
  const app = role === 'worker' ? undefined : await buildApp(services);
  const worker = role === 'api' ? undefined : createWorker({ queue: services.queue, definitions: services.jobs, logger });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await app?.close();
    await worker?.stop();
    await services.close();
    await db.destroy();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  if (app) await app.listen({ port: config.port, host: config.host });
  if (worker) await worker.start();
  logger.info({ role, publicUrl: config.publicUrl, database: db.dialect }, 'Parley is running');
}

async function migrate(): Promise<void> {
  const { config } = loadConfig();
  const db = openDatabase(config);
  try {
    const applied = await migrateToLatest(db);
    console.log(applied.length > 0 ? `Applied: ${applied.join(', ')}` : 'Already up to date.');
  } finally {
    await db.destroy();
  }
}

async function createApiKey(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      org: { type: 'string' },
      plan: { type: 'string' },
      scopes: { type: 'string' },
      name: { type: 'string' },
      'rate-limit': { type: 'string' },
    },
    strict: true,
  });
  if (!values.org?.trim()) throw new UsageError('--org <name> is required');
  if (values.plan && !(plans as readonly string[]).includes(values.plan)) {
    throw new UsageError(`--plan must be one of: ${plans.join(', ')}`);
  }
  let scopes: Scope[] | undefined;
  if (values.scopes) {
    const list = values.scopes.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = list.filter((s) => !isScope(s));
    if (unknown.length > 0) throw new UsageError(`unknown scope(s): ${unknown.join(', ')}; known: ${allScopes.join(', ')}`);
    scopes = list as Scope[];
  }
  let rateLimit: number | undefined;
  if (values['rate-limit'] !== undefined) {
    rateLimit = Number(values['rate-limit']);
    if (!Number.isInteger(rateLimit) || rateLimit < 1 || rateLimit > maxEnterpriseRateLimit) {
      throw new UsageError(`--rate-limit must be a whole number from 1 to ${maxEnterpriseRateLimit}`);
    }
    if ((values.plan ?? 'enterprise') !== 'enterprise') throw new UsageError('--rate-limit applies to the enterprise plan only');
  }

  const { config } = loadConfig();
  const db = openDatabase(config);
  try {
    await migrateToLatest(db);
    const result = await createKeyForOrganization(db, systemClock, {
      org: values.org.trim(),
      plan: values.plan as Plan | undefined,
      scopes,
      name: values.name,
      rateLimit,
    });
    console.log(
      `${result.organizationCreated ? 'Created' : 'Found'} organization "${result.organization.name}" (${result.organization.id}, plan ${result.organization.plan}).`,
    );
    console.log(`Created API key ${result.keyId} with scopes: ${result.scopes.join(', ')}. It is shown only this once:`);
    console.log(result.key);
  } finally {
    await db.destroy();
  }
}

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve': {
      const { values } = parseArgs({ args: rest, options: { role: { type: 'string', default: 'all' } }, strict: true });
      if (!['api', 'worker', 'all'].includes(values.role!)) throw new UsageError('--role must be api, worker or all');
      return serve(values.role as 'api' | 'worker' | 'all');
    }
    case 'worker':
      return serve('worker');
    case 'migrate':
      return migrate();
    case 'api-keys':
      if (rest[0] === 'create') return createApiKey(rest.slice(1));
      throw new UsageError('unknown api-keys command; try: parley api-keys create --org <name>');
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(usage);
      return;
    default:
      throw new UsageError(`unknown command: ${command}`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof UsageError) {
    console.error(error instanceof UsageError ? `${error.message}\n\n${usage}` : error.message);
  } else {
    console.error(error);
  }
  process.exit(error instanceof UsageError ? 2 : 1);
});
