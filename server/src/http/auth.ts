import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.js';
import type { ApiKeyService } from '../modules/api-keys/api-key.service.js';
import type { RateLimiter } from '../modules/rate-limit/rate-limiter.js';

const bearer = /^Bearer\s+(\S+)\s*$/i;

/**
 * One onRequest hook for every /v1 route: the API key, then the key's rate limit (whose
 * headers go on every answer, errors included), then the route's permission.
 */
export function createAuthHook(apiKeys: ApiKeyService, rateLimiter: RateLimiter) {
  return async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const header = request.headers.authorization;
    const presented = header ? bearer.exec(header)?.[1] : undefined;
    if (!presented) {
      throw new AppError('INVALID_API_KEY', 'Missing API key: send it as "Authorization: Bearer <key>"');
    }
    const auth = await apiKeys.authenticate(presented);
    if (!auth) throw new AppError('INVALID_API_KEY', 'The API key is invalid or has been revoked');
    request.auth = auth;

    const limit = await rateLimiter.hit(`key:${auth.apiKeyId}`, auth.rateLimit);
    reply.header('X-RateLimit-Limit', limit.limit);
    reply.header('X-RateLimit-Remaining', limit.remaining);
    reply.header('X-RateLimit-Reset', limit.resetAt);
    if (!limit.allowed) {
      reply.header('Retry-After', limit.retryAfter);
      throw new AppError(
        'RATE_LIMITED',
        `Rate limit exceeded. Try again in ${limit.retryAfter} seconds.`,
        undefined,
        { retryAfter: limit.retryAfter },
      );
    }

    const scope = request.routeOptions.config.scope;
    if (scope && !auth.scopes.has(scope)) {
      throw new AppError('INSUFFICIENT_PERMISSIONS', `This API key lacks the ${scope} permission`, { required: scope });
    }
  };
}
