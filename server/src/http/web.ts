import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Where `npm run build` puts the pages (web/dist), from src/http or dist/http alike. */
export const defaultWebRoot = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

/**
 * The page runs only its own bundled script and styles (Vite emits no inline script or style),
 * talks only to this origin, and cannot be framed.
 */
export const interviewPagePolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const assetTypes: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

// One plain file name: no separators and no leading dot, so nothing outside assets/ is reachable.
const assetName = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/;

const notBuilt =
  'The interview page has not been built.\n' +
  'Run `npm run build` in the Parley folder (it builds web/ into web/dist/), then open the link again.\n';

/**
 * Serves the built interview page at `/interview/<token>` (the token is read by the page itself,
 * never by the server) and its hashed assets under `/assets/`. Without a build, the page answers
 * 503 with a message for the operator, so an API-only install still runs.
 */
export function webRoutes(options: { root?: string } = {}) {
  const root = options.root ?? defaultWebRoot;
  const indexFile = join(root, 'index.html');
  const assetsDir = join(root, 'assets');
  let cached: { mtimeMs: number; size: number; html: string } | undefined;

  /** index.html, re-read only when a new build replaced it. */
  async function indexHtml(): Promise<string | undefined> {
    const info = await stat(indexFile).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    if (!cached || cached.mtimeMs !== info.mtimeMs || cached.size !== info.size) {
      cached = { mtimeMs: info.mtimeMs, size: info.size, html: await readFile(indexFile, 'utf8') };
    }
    return cached.html;
  }

  const pageHeaders = (reply: FastifyReply) =>
    reply
      .header('Cache-Control', 'no-store')
      .header('Referrer-Policy', 'no-referrer')
      .header('X-Content-Type-Options', 'nosniff');

  return async (app: FastifyInstance) => {
    let warned = false;

    const page = async (request: FastifyRequest, reply: FastifyReply) => {
      pageHeaders(reply);
      const html = await indexHtml();
      if (html === undefined) {
        if (!warned) request.log.warn({ root }, 'the interview page is not built: run `npm run build`');
        warned = true;
        return reply.status(503).type('text/plain; charset=utf-8').send(notBuilt);
      }
      return reply
        .header('Content-Security-Policy', interviewPagePolicy)
        .header('X-Frame-Options', 'DENY')
        .type('text/html; charset=utf-8')
        .send(html);
    };
    app.get('/interview/:token', { schema: { hide: true } }, page);
    // A link that gained a trailing slash (some mail clients and chat apps add one) still opens.
    app.get('/interview/:token/', { schema: { hide: true } }, page);

    app.get('/assets/*', { schema: { hide: true } }, async (request, reply) => {
      const name = (request.params as { '*': string })['*'];
      const type = assetTypes[extname(name).toLowerCase()];
      if (!assetName.test(name) || name.includes('..') || !type) return reply.callNotFound();
      const file = join(assetsDir, name);
      const info = await stat(file).catch(() => undefined);
      if (!info?.isFile()) return reply.callNotFound();
      // Names carry a content hash: a new build makes new names, so a file never changes.
      return reply
        .header('Cache-Control', 'public, max-age=31536000, immutable')
        .header('Content-Length', info.size)
        .type(type)
        .send(createReadStream(file));
    });
  };
}
