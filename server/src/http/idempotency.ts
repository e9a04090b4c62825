import type { FastifyInstance } from 'fastify';
import { setTimeout as sleep } from 'node:timers/promises';
import { sha256Hex } from '../core/crypto.js';
import { AppError } from '../core/errors.js';
import { stableStringify } from '../core/json.js';
import type { IdempotencyService } from '../modules/idempotency/idempotency.service.js';

const keyPattern = /^[\x21-\x7e]{1,255}$/;
const waitForOtherMs = 10_000;
const pollMs = 50;

/**
 * `Idempotency-Key` on POST: the first answer is kept 24 hours and replayed to any repeat
 * with the same key and body; another body with the same key is refused; a repeat that
 * arrives while the first is running waits for its answer instead of running again.
 */
export function installIdempotency(app: FastifyInstance, idempotency: IdempotencyService): void {
  app.addHook('preValidation', async (request, reply) => {
    if (request.method !== 'POST') return;
    const key = request.headers['idempotency-key'];
    if (key === undefined) return;
    if (typeof key !== 'string' || !keyPattern.test(key)) {
      throw new AppError('INVALID_REQUEST', 'Idempotency-Key must be 1-255 visible ASCII characters');
    }
    const apiKeyId = request.auth.apiKeyId;
    // Multipart and CSV bodies are streamed to the handler and cannot be read here; their type and size stand in.
    const streamed = request.isMultipart() || typeof (request.body as { pipe?: unknown } | undefined)?.pipe === 'function';
    const body = streamed
      ? `stream:${request.headers['content-type'] ?? ''}:${request.headers['content-length'] ?? ''}`
      : stableStringify(request.body ?? null);
    const fingerprint = sha256Hex(`${request.method} ${request.url}\n${body}`);

    const deadline = Date.now() + waitForOtherMs;
    for (;;) {
      const claim = await idempotency.claim(apiKeyId, key, fingerprint);
      if (claim.kind === 'claimed') {
        request.idempotencyClaim = { apiKeyId, key };
        return;
      }
      if (claim.kind === 'replay') {
        return reply
          .status(claim.status)
          .header('content-type', claim.type)
          .header('Idempotent-Replayed', 'true')
          .send(claim.body);
      }
      if (claim.kind === 'mismatch') {
        throw new AppError(
          'VALIDATION_ERROR',
          'This Idempotency-Key was already used with a different request; use a new key for a new request',
          { reason: 'idempotency_key_reused' },
        );
      }
      if (Date.now() >= deadline) {
        reply.header('Retry-After', 1);
        throw new AppError('IDEMPOTENCY_KEY_IN_USE', 'A request with this Idempotency-Key is still being processed; retry shortly');
      }
      await sleep(pollMs);
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const claim = request.idempotencyClaim;
    if (!claim) return payload;
    request.idempotencyClaim = undefined;
    if (reply.statusCode >= 500 || typeof payload !== 'string') {
      await idempotency.release(claim.apiKeyId, claim.key);
    } else {
      const type = String(reply.getHeader('content-type') ?? 'application/json; charset=utf-8');
      await idempotency.complete(claim.apiKeyId, claim.key, reply.statusCode, type, payload);
    }
    return payload;
  });
}
