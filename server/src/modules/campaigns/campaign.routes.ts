import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { commonErrors, paginated } from '../../http/schemas.js';
import type { CampaignService } from './campaign.service.js';
import {
  campaignParams, campaignSchema, createCampaignBody, listCampaignsQuery, updateCampaignBody,
} from './campaign.schemas.js';

export function campaignRoutes(campaigns: CampaignService): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['Campaigns'];

    app.post('/campaigns', {
      config: { scope: 'campaigns:write' },
      schema: { tags, summary: 'Create a new interview campaign', body: createCampaignBody, response: { 201: campaignSchema, ...commonErrors } },
      handler: async (request, reply) =>
        reply.status(201).send(await campaigns.create(request.auth.organizationId, request.body)),
    });

    app.get('/campaigns', {
      config: { scope: 'campaigns:read' },
      schema: { tags, summary: 'List all campaigns in your organization', querystring: listCampaignsQuery, response: { 200: paginated(campaignSchema), ...commonErrors } },
      handler: async (request) => {
        const { sort, order, limit, offset, ...filter } = request.query;
        return campaigns.list(request.auth.organizationId, filter, sort, order, limit, offset);
      },
    });

    app.get('/campaigns/:campaignId', {
      config: { scope: 'campaigns:read' },
      schema: { tags, summary: 'Retrieve a specific campaign by ID', params: campaignParams, response: { 200: campaignSchema, ...commonErrors } },
      handler: async (request) => campaigns.get(request.auth.organizationId, request.params.campaignId),
    });

    app.route({
      method: ['PATCH', 'PUT'],
      url: '/campaigns/:campaignId',
      config: { scope: 'campaigns:write' },
      schema: {
        tags,
        summary: 'Update a campaign (settings, inviteDefaults and metadata are merged; null removes a key)',
        params: campaignParams,
        body: updateCampaignBody,
        response: { 200: campaignSchema, ...commonErrors },
      },
      handler: async (request) => campaigns.update(request.auth.organizationId, request.params.campaignId, request.body),
    });
  };
}
