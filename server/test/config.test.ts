import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const secret = 'x'.repeat(40);

describe('configuration', () => {
  it('has working defaults and a frozen result', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-config-'));
    try {
      const { config, warnings } = loadConfig({ DATA_DIR: dir, PARLEY_SECRET: secret });
      expect(config.port).toBe(3000);
      expect(config.host).toBe('0.0.0.0');
      expect(config.publicUrl).toBe('http://localhost:3000');
      expect(config.databaseUrl).toBeUndefined();
      expect(config.logLevel).toBe('info');
      expect(Object.isFrozen(config)).toBe(true);
      expect(warnings.some((w) => w.includes('PUBLIC_URL'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('strips a trailing slash from PUBLIC_URL and never derives it from anything else', () => {
    const { config } = loadConfig({ DATA_DIR: tmpdir(), PARLEY_SECRET: secret, PUBLIC_URL: 'https://interviews.example.com/', PORT: '8080' });
    expect(config.publicUrl).toBe('https://interviews.example.com');
    expect(config.port).toBe(8080);
  });

  it('generates the secret once into DATA_DIR with mode 0600, with a warning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-config-'));
    try {
      const first = loadConfig({ DATA_DIR: dir });
      expect(first.warnings.some((w) => w.includes('PARLEY_SECRET'))).toBe(true);
      const file = join(dir, 'parley-secret');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, 'utf8').length).toBeGreaterThanOrEqual(43);
      const second = loadConfig({ DATA_DIR: dir });
      expect(second.config.secret.equals(first.config.secret)).toBe(true);
      expect(second.warnings.some((w) => w.includes('PARLEY_SECRET'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['PORT', '70000'],
    ['PORT', 'abc'],
    ['DATABASE_URL', 'mysql://db/parley'],
    ['PUBLIC_URL', 'not a url'],
    ['PARLEY_SECRET', 'too-short'],
    ['LOG_LEVEL', 'verbose'],
    ['REDIS_URL', 'http://cache'],
    ['SENDGRID_WEBHOOK_PUBLIC_KEY', 'bm90IGEga2V5IGF0IGFsbCwganVzdCB0ZXh0'],
  ])('stops with a message naming %s when it is %s', (name, value) => {
    expect(() => loadConfig({ DATA_DIR: tmpdir(), PARLEY_SECRET: secret, [name]: value })).toThrowError(
      new RegExp(`^Invalid configuration:[\\s\\S]*${name}`),
    );
    expect(() => loadConfig({ DATA_DIR: tmpdir(), PARLEY_SECRET: secret, [name]: value })).toThrow(ConfigError);
  });
});
