import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { commonErrors } from '../../http/schemas.js';
import type { OrganizationService } from './organization.service.js';
import { organizationSchema, updateOrganizationBody } from './organization.schemas.js';

export function organizationRoutes(organizations: OrganizationService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/organization', {
      config: { scope: 'organization:read' },
      schema: {
        tags: ['Organization'],
        summary: 'Retrieve your organization',
        response: { 200: organizationSchema, ...commonErrors },
      },
      handler: async (request) => organizations.get(request.auth.organizationId),
    });

    app.route({
      method: ['PATCH', 'PUT'],
      url: '/organization',
      config: { scope: 'organization:write' },
      schema: {
        tags: ['Organization'],
        summary: 'Update organization settings',
        body: updateOrganizationBody,
        response: { 200: organizationSchema, ...commonErrors },
      },
      handler: async (request) => organizations.update(request.auth.organizationId, request.body),
    });
  };
}
