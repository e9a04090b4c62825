import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installErrorHandling } from '../src/http/errors.js';
import { interviewPagePolicy, webRoutes } from '../src/http/web.js';
import { createTestApp } from './app.js';

const token = 'Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5';
let dir: string;

async function serve(root: string): Promise<FastifyInstance> {
  const app = Fastify();
  installErrorHandling(app);
  await app.register(webRoutes({ root }));
  await app.ready();
  return app;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'parley-web-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><script type="module" src="/assets/index-abc123.js"></script>');
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log("page")');
  writeFileSync(join(dir, 'assets', 'index-abc123.css'), 'body{margin:0}');
  writeFileSync(join(dir, 'assets', 'notes.txt'), 'not an asset type');
  writeFileSync(join(dir, 'secret.json'), '{"secret":true}');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the interview page', () => {
  it('is served at /interview/<token> with a strict policy and no referrer, never cached', async () => {
    const app = await serve(dir);
    const res = await app.inject({ method: 'GET', url: `/interview/${token}?name=John&company=Acme` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('/assets/index-abc123.js');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBe(interviewPagePolicy);
    expect((await app.inject({ method: 'GET', url: `/interview/${token}/` })).body).toBe(res.body);
    expect(interviewPagePolicy).toMatch(/default-src 'self'/);
    expect(interviewPagePolicy).toMatch(/script-src 'self'(;|$)/);
    expect(interviewPagePolicy).toMatch(/style-src 'self'(;|$)/);
    expect(interviewPagePolicy).not.toMatch(/unsafe-inline|unsafe-eval/);
    await app.close();
  });

  it('picks up a new build without a restart', async () => {
    const root = mkdtempSync(join(tmpdir(), 'parley-web-'));
    const app = await serve(root);
    expect((await app.inject({ method: 'GET', url: `/interview/${token}` })).statusCode).toBe(503);
    writeFileSync(join(root, 'index.html'), 'first build');
    expect((await app.inject({ method: 'GET', url: `/interview/${token}` })).body).toBe('first build');
    writeFileSync(join(root, 'index.html'), 'second build!');
    utimesSync(join(root, 'index.html'), new Date(), new Date(Date.now() + 5000));
    expect((await app.inject({ method: 'GET', url: `/interview/${token}` })).body).toBe('second build!');
    await app.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('answers 503 with a message for the operator when the page is not built', async () => {
    const app = await serve(join(dir, 'missing'));
    const res = await app.inject({ method: 'GET', url: `/interview/${token}` });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toContain('npm run build');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect((await app.inject({ method: 'GET', url: '/assets/index-abc123.js' })).statusCode).toBe(404);
    await app.close();
  });

  it('serves hashed assets with a long cache and their content type', async () => {
    const app = await serve(dir);
    const js = await app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    expect(js.statusCode).toBe(200);
    expect(js.body).toBe('console.log("page")');
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const css = await app.inject({ method: 'GET', url: '/assets/index-abc123.css' });
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await app.inject({ method: 'HEAD', url: '/assets/index-abc123.css' })).statusCode).toBe(200);
    await app.close();
  });

  it('serves nothing outside assets/, and no unknown file types', async () => {
    const app = await serve(dir);
    for (const url of [
      '/assets/missing-123.js',
      '/assets/notes.txt',
      '/assets/../secret.json',
      '/assets/..%2Fsecret.json',
      '/assets/%2e%2e%2fsecret.json',
      '/assets/..%5csecret.json',
      '/assets/.%2e/secret.json',
      '/assets/sub/index-abc123.js',
      '/assets/%00index-abc123.js',
      '/assets/',
    ]) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
      expect(res.body, url).not.toContain('"secret":true');
    }
    await app.close();
  });

  it('is part of the application, beside the participant API', async () => {
    const t = await createTestApp();
    try {
      const res = await t.app.inject({ method: 'GET', url: `/interview/${token}` });
      // 200 after `npm run build`, 503 before it; the page's headers either way.
      expect([200, 503]).toContain(res.statusCode);
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['cache-control']).toBe('no-store');
      const spec = (await t.app.inject({ method: 'GET', url: '/v1/openapi.json' })).json();
      expect(Object.keys(spec.paths).some((p) => p.startsWith('/interview') || p.startsWith('/assets'))).toBe(false);
    } finally {
      await t.close();
    }
  });
});
