import 'fastify';
import type { AuthContext } from '../modules/api-keys/api-key.service.js';
import type { Scope } from '../modules/api-keys/scopes.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The permission a route needs; checked after authentication. */
    scope?: Scope;
  }
  interface FastifyRequest {
    /** Set for every /v1 route by the authentication hook. */
    auth: AuthContext;
    /** Set when this request holds an Idempotency-Key claim to complete or release. */
    idempotencyClaim?: { apiKeyId: string; key: string };
  }
}
