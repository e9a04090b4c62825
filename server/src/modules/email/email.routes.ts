import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { parseJson } from '../../db/database.js';
import type { Db } from '../../db/database.js';
import { commonErrors, paginated, paginationQuery } from '../../http/schemas.js';
import type { InviteService } from '../invites/invite.service.js';
import { inviteParams } from '../invites/invite.schemas.js';
import type { EmailTemplateService } from './email-template.service.js';
import { createEmailRepository } from './email.repository.js';
import {
  createSuppressionBody, createTemplateBody, deliverySchema, listSuppressionsQuery, previewBody, renderedSchema,
  suppressionParams, suppressionSchema, templateParams, templateSchema, updateTemplateBody,
} from './email.schemas.js';
import type { SuppressionService } from './suppression.service.js';

/** Suppressions, email templates and each invite's delivery history. */
export function emailRoutes(deps: { db: Db; suppressions: SuppressionService; templates: EmailTemplateService; invites: InviteService }): FastifyPluginAsyncZod {
  return async (app) => {
    const read = { scope: 'invites:read' as const };
    const write = { scope: 'invites:write' as const };

    app.get('/suppressions', {
      config: read,
      schema: { tags: ['Email'], summary: 'List addresses that are never emailed, and why', querystring: listSuppressionsQuery, response: { 200: paginated(suppressionSchema), ...commonErrors } },
      handler: async (request) => {
        const { limit, offset, ...filter } = request.query;
        return deps.suppressions.list(request.auth.organizationId, filter, limit, offset);
      },
    });

    app.post('/suppressions', {
      config: write,
      schema: { tags: ['Email'], summary: 'Stop emailing an address', body: createSuppressionBody, response: { 201: suppressionSchema, ...commonErrors } },
      handler: async (request, reply) => {
        await deps.suppressions.add(request.auth.organizationId, request.body.email, 'manual', request.body.detail ?? null);
        return reply.status(201).send(await deps.suppressions.get(request.auth.organizationId, request.body.email));
      },
    });

    app.delete('/suppressions/:email', {
      config: write,
      schema: { tags: ['Email'], summary: 'Allow emailing an address again', params: suppressionParams, response: { 204: z.null().describe('Removed'), ...commonErrors } },
      handler: async (request, reply) => {
        await deps.suppressions.remove(request.auth.organizationId, request.params.email);
        return reply.status(204).send(null);
      },
    });

    const templates = { tags: ['Email templates'] };
    app.get('/email-templates', {
      config: { scope: 'campaigns:read' },
      schema: { ...templates, summary: "List the organization's email templates", querystring: z.object({ ...paginationQuery }), response: { 200: paginated(templateSchema), ...commonErrors } },
      handler: async (request) => deps.templates.list(request.auth.organizationId, request.query.limit, request.query.offset),
    });

    app.post('/email-templates', {
      config: { scope: 'campaigns:write' },
      schema: { ...templates, summary: 'Create an email template (invitation or reminder)', body: createTemplateBody, response: { 201: templateSchema, ...commonErrors } },
      handler: async (request, reply) => reply.status(201).send(await deps.templates.create(request.auth.organizationId, request.body)),
    });

    app.post('/email-templates/preview', {
      config: { scope: 'campaigns:read' },
      schema: { ...templates, summary: 'Render a template (saved, built-in or unsaved) with sample data', body: previewBody, response: { 200: renderedSchema, ...commonErrors } },
      handler: async (request) => {
        const { subject, html, text, sample, ...rest } = request.body;
        return deps.templates.preview(request.auth.organizationId, {
          ...rest,
          source: subject !== undefined && html !== undefined && text !== undefined ? { subject, html, text } : undefined,
          values: sample,
        });
      },
    });

    app.get('/email-templates/:templateId', {
      config: { scope: 'campaigns:read' },
      schema: { ...templates, summary: 'Retrieve an email template', params: templateParams, response: { 200: templateSchema, ...commonErrors } },
      handler: async (request) => deps.templates.get(request.auth.organizationId, request.params.templateId),
    });

    app.route({
      method: ['PATCH', 'PUT'],
      url: '/email-templates/:templateId',
      config: { scope: 'campaigns:write' },
      schema: { ...templates, summary: 'Update an email template', params: templateParams, body: updateTemplateBody, response: { 200: templateSchema, ...commonErrors } },
      handler: async (request) => deps.templates.update(request.auth.organizationId, request.params.templateId, request.body),
    });

    app.delete('/email-templates/:templateId', {
      config: { scope: 'campaigns:write' },
      schema: { ...templates, summary: 'Delete an email template (invites that named it fall back to the built-in one)', params: templateParams, response: { 204: z.null().describe('Deleted'), ...commonErrors } },
      handler: async (request, reply) => {
        await deps.templates.remove(request.auth.organizationId, request.params.templateId);
        return reply.status(204).send(null);
      },
    });

    app.get('/invites/:inviteId/deliveries', {
      config: read,
      schema: { tags: ['Invites'], summary: "An invite's emails and everything that happened to each", params: inviteParams, response: { 200: z.object({ data: z.array(deliverySchema) }), ...commonErrors } },
      handler: async (request) => {
        const invite = await deps.invites.findRecord(request.auth.organizationId, request.params.inviteId);
        const repo = createEmailRepository(deps.db.kysely);
        const messages = await repo.forInvite(invite.id);
        const events = await repo.eventsFor(messages.map((m) => m.id));
        return {
          data: messages.map((m) => ({
            id: m.id,
            kind: m.kind as 'invite' | 'resend' | 'reminder',
            status: m.status === 'sending' ? 'queued' : m.status,
            to: m.to_address,
            messageId: m.message_id,
            providerId: m.provider_id,
            attempts: m.attempts,
            softBounces: m.soft_bounces,
            lastError: m.last_error,
            nextAttemptAt: m.next_attempt_at,
            createdAt: m.created_at,
            sentAt: m.sent_at,
            deliveredAt: m.delivered_at,
            openedAt: m.opened_at,
            clickedAt: m.clicked_at,
            bouncedAt: m.bounced_at,
            failedAt: m.failed_at,
            events: events
              .filter((e) => e.message_id === m.id)
              .map((e) => ({ type: e.type, source: e.source, detail: e.detail, raw: e.raw === null ? null : parseJson(e.raw), at: e.at })),
          })),
        };
      },
    });
  };
}
