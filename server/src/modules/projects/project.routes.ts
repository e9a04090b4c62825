import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { commonErrors, paginated } from '../../http/schemas.js';
import type { ProjectService } from './project.service.js';
import {
  createProjectBody, listProjectsQuery, projectParams, projectSchema, updateProjectBody,
} from './project.schemas.js';

/** Projects group scripts and campaigns; they use the campaigns permissions. */
export function projectRoutes(projects: ProjectService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/projects', {
      config: { scope: 'campaigns:read' },
      schema: {
        tags: ['Projects'],
        summary: 'List all projects in your organization',
        querystring: listProjectsQuery,
        response: { 200: paginated(projectSchema), ...commonErrors },
      },
      handler: async (request) => projects.list(request.auth.organizationId, request.query.limit, request.query.offset),
    });

    app.post('/projects', {
      config: { scope: 'campaigns:write' },
      schema: {
        tags: ['Projects'],
        summary: 'Create a new project',
        body: createProjectBody,
        response: { 201: projectSchema, ...commonErrors },
      },
      handler: async (request, reply) =>
        reply.status(201).send(await projects.create(request.auth.organizationId, request.body)),
    });

    app.get('/projects/:projectId', {
      config: { scope: 'campaigns:read' },
      schema: {
        tags: ['Projects'],
        summary: 'Retrieve a specific project',
        params: projectParams,
        response: { 200: projectSchema, ...commonErrors },
      },
      handler: async (request) => projects.get(request.auth.organizationId, request.params.projectId),
    });

    app.route({
      method: ['PATCH', 'PUT'],
      url: '/projects/:projectId',
      config: { scope: 'campaigns:write' },
      schema: {
        tags: ['Projects'],
        summary: "Update a project's details",
        params: projectParams,
        body: updateProjectBody,
        response: { 200: projectSchema, ...commonErrors },
      },
      handler: async (request) =>
        projects.update(request.auth.organizationId, request.params.projectId, request.body),
    });

    app.delete('/projects/:projectId', {
      config: { scope: 'campaigns:write' },
      schema: {
        tags: ['Projects'],
        summary: 'Delete a project (its campaigns and scripts are unassigned, not deleted)',
        params: projectParams,
        response: { 204: z.null().describe('Deleted'), ...commonErrors },
      },
      handler: async (request, reply) => {
        await projects.remove(request.auth.organizationId, request.params.projectId);
        return reply.status(204).send(null);
      },
    });
  };
}
