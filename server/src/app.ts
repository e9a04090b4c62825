import fastifyMultipart from '@fastify/multipart';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ping } from './db/database.js';
import { createAuthHook } from './http/auth.js';
import { installErrorHandling } from './http/errors.js';
import { installIdempotency } from './http/idempotency.js';
import { loggerOptions } from './http/logging.js';
import { validatorCompiler } from './http/validation.js';
import { webRoutes } from './http/web.js';
import { apiKeyRoutes } from './modules/api-keys/api-key.routes.js';
import { campaignRoutes } from './modules/campaigns/campaign.routes.js';
import { inviteRoutes } from './modules/invites/invite.routes.js';
import { trackingRoutes } from './modules/email/tracking.routes.js';
import { emailRoutes } from './modules/email/email.routes.js';
import { providerEventRoutes } from './modules/email/provider-events.routes.js';
import { participantRoutes } from './modules/sessions/participant.routes.js';
import { sessionRoutes } from './modules/sessions/session.routes.js';
import { transcriptRoutes } from './modules/sessions/transcript.routes.js';
import { inviteTransferRoutes } from './modules/invites/invite-transfer.routes.js';
import { organizationRoutes } from './modules/organizations/organization.routes.js';
import { projectRoutes } from './modules/projects/project.routes.js';
import { scriptRoutes } from './modules/scripts/script.routes.js';
import type { Services } from './services.js';

export const apiVersion = '0.1.0';

/** Builds the HTTP application: plugins, one error handler, and every module's routes. */
export async function buildApp(services: Services, options: { logger?: FastifyBaseLogger } = {}): Promise<FastifyInstance> {
  const { config } = services;
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: loggerOptions(config.logLevel) }),
    trustProxy: config.trustProxy,
    bodyLimit: 2 * 1024 * 1024,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    return payload;
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Parley API',
        version: apiVersion,
        description:
          'Invite people to interviews through secure unique links, and run those interviews. ' +
          'Authenticate with `Authorization: Bearer <API key>`.',
      },
      servers: [{ url: config.publicUrl }],
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', uiConfig: { url: '/v1/openapi.json' } as never });

  app.get('/health', {
    schema: {
      hide: true,
      response: { 200: z.object({ status: z.literal('ok') }), 503: z.object({ status: z.literal('unavailable') }) },
    },
    handler: async (request, reply) => {
      try {
        await ping(services.db);
        return { status: 'ok' as const };
      } catch (error) {
        request.log.error({ err: error }, 'health check: database unreachable');
        return reply.status(503).send({ status: 'unavailable' as const });
      }
    },
  });

  app.get('/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(
    trackingRoutes({
      db: services.db,
      clock: services.clock,
      links: services.links,
      events: services.emailEvents,
      vault: services.vault,
      organizations: services.organizations,
      suppressions: services.suppressions,
    }),
  );

  await app.register(
    participantRoutes({ flow: services.sessionFlow, cookies: services.sessionCookies, secure: config.publicUrl.startsWith('https:') }),
  );
  await app.register(webRoutes());

  await app.register(
    providerEventRoutes({
      email: config.email,
      events: services.emailEvents,
      fetcher: services.fetcher,
      clock: services.clock,
      receipts: services.webhookReceipts,
    }),
  );

  await app.register(
    async (v1) => {
      await v1.register(fastifyMultipart, { limits: { fileSize: config.mediaMaxBytes, files: 1 } });
      v1.addHook('onRequest', createAuthHook(services.apiKeys, services.rateLimiter));
      installIdempotency(v1, services.idempotency);
      await v1.register(organizationRoutes(services.organizations));
      await v1.register(apiKeyRoutes(services.apiKeys));
      await v1.register(projectRoutes(services.projects));
      await v1.register(scriptRoutes(services.scripts, services.scriptTransfer, services.scriptMedia, config.mediaMaxBytes));
      await v1.register(campaignRoutes(services.campaigns));
      await v1.register(inviteRoutes(services.invites, services.inviteActions));
      await v1.register(sessionRoutes(services.sessions, config.sessionFileMaxBytes));
      await v1.register(transcriptRoutes({ db: services.db, sessions: services.sessions, organizations: services.organizations, campaigns: services.campaigns }));
      await v1.register(
        emailRoutes({ db: services.db, suppressions: services.suppressions, templates: services.emailTemplates, invites: services.invites }),
      );
      await v1.register(
        inviteTransferRoutes({
          importer: services.inviteImporter,
          exporter: services.inviteExporter,
          sharing: services.inviteSharing,
          importMaxBytes: config.importMaxBytes,
        }),
      );
    },
    { prefix: '/v1' },
  );

  return app;
}
