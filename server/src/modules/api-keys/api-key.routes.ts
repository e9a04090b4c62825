import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { commonErrors, paginated } from '../../http/schemas.js';
import type { ApiKeyService } from './api-key.service.js';
import {
  apiKeyParams, apiKeySchema, createApiKeyBody, createdApiKeySchema, listApiKeysQuery,
} from './api-key.schemas.js';

export function apiKeyRoutes(apiKeys: ApiKeyService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/api-keys', {
      config: { scope: 'organization:read' },
      schema: {
        tags: ['API keys'],
        summary: 'List the API keys of your organization (never their secrets)',
        querystring: listApiKeysQuery,
        response: { 200: paginated(apiKeySchema), ...commonErrors },
      },
      handler: async (request) =>
        apiKeys.list(request.auth.organizationId, request.query.limit, request.query.offset),
    });

    app.post('/api-keys', {
      config: { scope: 'organization:write' },
      schema: {
        tags: ['API keys'],
        summary: 'Create an API key; its secret is shown once',
        body: createApiKeyBody,
        response: { 201: createdApiKeySchema, ...commonErrors },
      },
      handler: async (request, reply) => {
        const scopes = request.body.scopes ?? [...request.auth.scopes];
        apiKeys.assertCanGrant(request.auth, scopes);
        const created = await apiKeys.create({
          organizationId: request.auth.organizationId,
          name: request.body.name,
          scopes,
        });
        return reply.status(201).send(created);
      },
    });

    app.delete('/api-keys/:keyId', {
      config: { scope: 'organization:write' },
      schema: {
        tags: ['API keys'],
        summary: 'Revoke an API key; it stops working at once',
        params: apiKeyParams,
        response: { 204: z.null().describe('Revoked'), ...commonErrors },
      },
      handler: async (request, reply) => {
        await apiKeys.revoke(request.auth.organizationId, request.params.keyId);
        return reply.status(204).send(null);
      },
    });
  };
}
