import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { publicKeyFromDer } from './core/crypto.js';

/**
 * The only reader of process.env. Parsed once at start-up, validated, frozen.
 * An invalid value stops start-up with a message that names the variable.
 */
const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL (leave unset for SQLite)')
    .optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
    .optional(),
  PARLEY_SECRET: z.string().min(32, 'must be at least 32 characters (use 32 random bytes, e.g. `openssl rand -base64 32`)').optional(),
  LOG_LEVEL: z.enum(logLevels).default('info'),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
  MEDIA_MAX_BYTES: z.coerce.number().int().min(1024).max(1024 ** 3).default(25 * 1024 * 1024),
  IMPORT_MAX_BYTES: z.coerce.number().int().min(1024).max(8 * 1024 ** 3).default(256 * 1024 * 1024),
  TRUST_PROXY: z.enum(['true', 'false']).default('false'),
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  MAIL_FROM: z.string().min(3).max(320).optional(),
  SMTP_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(5),
  EMAIL_RATE_PER_SECOND: z.coerce.number().min(0).max(100_000).default(10),
  SENDGRID_WEBHOOK_PUBLIC_KEY: z
    .string()
    .min(20)
    .refine((key) => {
      try {
        publicKeyFromDer(key);
        return true;
      } catch {
        return false;
      }
    }, 'must be the base64 public key SendGrid shows for the signed event webhook')
    .optional(),
  MAILGUN_WEBHOOK_SIGNING_KEY: z.string().min(8).optional(),
  POSTMARK_WEBHOOK_USERNAME: z.string().min(1).optional(),
  POSTMARK_WEBHOOK_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
  LLM_BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL of an OpenAI-compatible API, e.g. http://localhost:11434/v1' }).optional(),
  LLM_API_KEY: z.string().min(1).optional(),
  LLM_MODEL: z.string().min(1).default('gpt-4o-mini'),
  LLM_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(8000),
  SESSION_FILE_MAX_BYTES: z.coerce.number().int().min(1024).max(8 * 1024 ** 3).default(200 * 1024 * 1024),
  SES_SNS_TOPIC_ARNS: z.string().regex(/^arn:aws/, 'must be one or more SNS topic ARNs, comma-separated').optional(),
});

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly databasePoolSize: number;
  /** Base of every link Parley hands out, without a trailing slash. */
  readonly publicUrl: string;
  /** Key material for secrets at rest; derive per-purpose keys from it. */
  readonly secret: Buffer;
  readonly logLevel: (typeof logLevels)[number];
  readonly redisUrl: string | undefined;
  readonly mediaMaxBytes: number;
  /** Largest CSV an invite import reads. */
  readonly importMaxBytes: number;
  readonly trustProxy: boolean;
  readonly email: EmailConfig;
  /** An OpenAI-compatible endpoint for the interviewer; the built-in one when absent. */
  readonly llm: { baseUrl: string; apiKey: string | undefined; model: string; timeoutMs: number } | undefined;
  readonly sessionFileMaxBytes: number;
}

export interface EmailConfig {
  /** No transport: invites are created and their links shared by hand. */
  readonly smtpUrl: string | undefined;
  readonly from: string | undefined;
  readonly poolSize: number;
  /** Messages per second across all workers; 0 lifts the limit. */
  readonly ratePerSecond: number;
  readonly sendgridPublicKey: string | undefined;
  readonly mailgunSigningKey: string | undefined;
  readonly postmark: { username: string; password: string } | undefined;
  readonly sesTopicArns: readonly string[];
}

export class ConfigError extends Error {}

export interface LoadedConfig {
  config: Config;
  /** Things worth telling the operator once the logger exists. */
  warnings: string[];
}

const secretFileName = 'parley-secret';

export function loadConfig(env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const input = Object.fromEntries(
    Object.keys(envSchema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]),
  );
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  const warnings: string[] = [];
  const dataDir = resolve(e.DATA_DIR);
  let secret: Buffer;
  if (e.PARLEY_SECRET) {
    secret = Buffer.from(e.PARLEY_SECRET, 'utf8');
  } else {
    const file = join(dataDir, secretFileName);
    mkdirSync(dataDir, { recursive: true });
    if (!existsSync(file)) {
      writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
      warnings.push(
        `PARLEY_SECRET is not set: generated one into ${file} (mode 0600). ` +
          'Back it up with the database: without it, encrypted values cannot be read. ' +
          'Set PARLEY_SECRET when running more than one node.',
      );
    }
    chmodSync(file, 0o600);
    secret = Buffer.from(readFileSync(file, 'utf8').trim(), 'utf8');
  }
  if (!e.PUBLIC_URL) {
    warnings.push(
      `PUBLIC_URL is not set: links Parley hands out will start with http://localhost:${e.PORT}. ` +
        'Set it to the address participants can reach.',
    );
  }
  if (e.SMTP_URL && !e.MAIL_FROM) {
    throw new ConfigError('Invalid configuration:\n  MAIL_FROM: required when SMTP_URL is set (for example "Acme Research <research@acme.com>")');
  }
  if (Boolean(e.POSTMARK_WEBHOOK_USERNAME) !== Boolean(e.POSTMARK_WEBHOOK_PASSWORD)) {
    throw new ConfigError('Invalid configuration:\n  POSTMARK_WEBHOOK_PASSWORD: set both POSTMARK_WEBHOOK_USERNAME and POSTMARK_WEBHOOK_PASSWORD, or neither');
  }
  const config: Config = {
    port: e.PORT,
    host: e.HOST,
    dataDir,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    secret,
    logLevel: e.LOG_LEVEL,
    redisUrl: e.REDIS_URL,
    mediaMaxBytes: e.MEDIA_MAX_BYTES,
    importMaxBytes: e.IMPORT_MAX_BYTES,
    trustProxy: e.TRUST_PROXY === 'true',
    llm: e.LLM_BASE_URL ? { baseUrl: e.LLM_BASE_URL, apiKey: e.LLM_API_KEY, model: e.LLM_MODEL, timeoutMs: e.LLM_TIMEOUT_MS } : undefined,
    sessionFileMaxBytes: e.SESSION_FILE_MAX_BYTES,
    email: {
      smtpUrl: e.SMTP_URL,
      from: e.MAIL_FROM,
      poolSize: e.SMTP_POOL_SIZE,
      ratePerSecond: e.EMAIL_RATE_PER_SECOND,
      sendgridPublicKey: e.SENDGRID_WEBHOOK_PUBLIC_KEY,
      mailgunSigningKey: e.MAILGUN_WEBHOOK_SIGNING_KEY,
      postmark: e.POSTMARK_WEBHOOK_USERNAME && e.POSTMARK_WEBHOOK_PASSWORD
        ? { username: e.POSTMARK_WEBHOOK_USERNAME, password: e.POSTMARK_WEBHOOK_PASSWORD }
        : undefined,
      sesTopicArns: (e.SES_SNS_TOPIC_ARNS ?? '').split(',').map((a) => a.trim()).filter(Boolean),
    },
  };
  return { config: Object.freeze(config), warnings };
}
