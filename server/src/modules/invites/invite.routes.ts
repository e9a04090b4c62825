import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { commonErrors, errorBody, paginated } from '../../http/schemas.js';
import type { InviteActions } from './invite-actions.js';
import type { InviteService } from './invite.service.js';
import {
  bulkCancelBody, bulkCreateBody, bulkExtendBody, bulkResendBody, bulkResultSchema, campaignInvitesParams, createInviteBody,
  extendBody, inviteParams, inviteSchema, listInvitesQuery, metadataFilter, resendBody, updateInviteBody,
} from './invite.schemas.js';

export function inviteRoutes(invites: InviteService, actions: InviteActions): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['Invites'];
    const read = { scope: 'invites:read' as const };
    const write = { scope: 'invites:write' as const };
    const conflicts = { 409: errorBody };

    app.post('/campaigns/:campaignId/invites', {
      config: write,
      schema: {
        tags,
        summary: 'Create and optionally send an invite for a campaign',
        params: campaignInvitesParams,
        body: createInviteBody,
        response: { 201: inviteSchema, ...conflicts, ...commonErrors },
      },
      handler: async (request, reply) =>
        reply.status(201).send(await invites.create(request.auth.organizationId, request.params.campaignId, request.body)),
    });

    app.post('/campaigns/:campaignId/invites/bulk', {
      config: write,
      schema: {
        tags,
        summary: 'Create up to 500 invites at once (all or nothing)',
        params: campaignInvitesParams,
        body: bulkCreateBody,
        response: { 201: z.object({ data: z.array(inviteSchema), count: z.number().int() }), ...conflicts, ...commonErrors },
      },
      handler: async (request, reply) => {
        const data = await invites.createMany(request.auth.organizationId, request.params.campaignId, request.body);
        return reply.status(201).send({ data, count: data.length });
      },
    });

    app.get('/campaigns/:campaignId/invites', {
      config: read,
      schema: {
        tags,
        summary: 'List the invites of a campaign',
        description: 'Filter by `status`, `email`, and metadata with `metadata[key]=value`.',
        params: campaignInvitesParams,
        querystring: listInvitesQuery,
        response: { 200: paginated(inviteSchema), ...commonErrors },
      },
      handler: async (request) => {
        const { status, email, limit, offset } = request.query;
        return invites.list(
          request.auth.organizationId,
          request.params.campaignId,
          { status, email, metadata: metadataFilter(request.query) },
          limit,
          offset,
        );
      },
    });

    app.get('/invites/:inviteId', {
      config: read,
      schema: { tags, summary: 'Retrieve a specific invite by ID', params: inviteParams, response: { 200: inviteSchema, ...commonErrors } },
      handler: async (request) => invites.get(request.auth.organizationId, request.params.inviteId),
    });

    app.route({
      method: ['PATCH', 'PUT'],
      url: '/invites/:inviteId',
      config: write,
      schema: {
        tags,
        summary: "Change an invite's name, metadata or reminder",
        params: inviteParams,
        body: updateInviteBody,
        response: { 200: inviteSchema, ...conflicts, ...commonErrors },
      },
      handler: async (request) => invites.update(request.auth.organizationId, request.params.inviteId, request.body),
    });

    app.post('/invites/:inviteId/cancel', {
      config: write,
      schema: { tags, summary: 'Cancel a pending invite and revoke the token', params: inviteParams, response: { 200: inviteSchema, ...conflicts, ...commonErrors } },
      handler: async (request) => actions.cancel(request.auth.organizationId, request.params.inviteId),
    });

    app.post('/invites/:inviteId/resend', {
      config: write,
      schema: {
        tags,
        summary: 'Resend the invite email to the participant (same link)',
        params: inviteParams,
        body: resendBody.optional(),
        response: { 200: inviteSchema, ...conflicts, ...commonErrors },
      },
      handler: async (request) => actions.resend(request.auth.organizationId, request.params.inviteId, request.body?.message),
    });

    app.post('/invites/:inviteId/extend', {
      config: write,
      schema: {
        tags,
        summary: 'Extend the expiry; an expired invite becomes usable again',
        params: inviteParams,
        body: extendBody,
        response: { 200: inviteSchema, ...conflicts, ...commonErrors },
      },
      handler: async (request) => actions.extend(request.auth.organizationId, request.params.inviteId, request.body),
    });

    const bulk = (summary: string) => ({ tags, summary, params: campaignInvitesParams, response: { 200: bulkResultSchema, ...commonErrors } });

    app.post('/campaigns/:campaignId/invites/bulk-cancel', {
      config: write,
      schema: { ...bulk('Cancel many invites, by ids or by filter'), body: bulkCancelBody },
      handler: async (request) =>
        actions.bulkCancel(request.auth.organizationId, request.params.campaignId, request.body),
    });

    app.post('/campaigns/:campaignId/invites/bulk-extend', {
      config: write,
      schema: { ...bulk('Extend the expiry of many invites, by ids or by filter'), body: bulkExtendBody },
      handler: async (request) => {
        const { expiresAt, expiresIn, ...selection } = request.body;
        return actions.bulkExtend(request.auth.organizationId, request.params.campaignId, selection, { expiresAt, expiresIn });
      },
    });

    app.post('/campaigns/:campaignId/invites/bulk-remind', {
      config: write,
      schema: { ...bulk('Send a reminder now to pending invites, by ids or by filter (never past the campaign maximum)'), body: bulkResendBody },
      handler: async (request) => {
        const { message, ...selection } = request.body;
        return actions.bulkRemind(request.auth.organizationId, request.params.campaignId, selection, message);
      },
    });

    app.post('/campaigns/:campaignId/invites/bulk-resend', {
      config: write,
      schema: { ...bulk('Resend the email of many invites, by ids or by filter'), body: bulkResendBody },
      handler: async (request) => {
        const { message, ...selection } = request.body;
        return actions.bulkResend(request.auth.organizationId, request.params.campaignId, selection, message);
      },
    });
  };
}
