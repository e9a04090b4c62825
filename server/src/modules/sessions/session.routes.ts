import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../core/errors.js';
import { campaignInvitesParams } from '../invites/invite.schemas.js';
import { commonErrors, errorBody, paginated } from '../../http/schemas.js';
import type { SessionService } from './session.service.js';
import {
  consentBody, listSessionsQuery, pauseBody, sessionFileParams, sessionFileSchema, sessionParams, sessionSchema,
} from './session.schemas.js';

export function sessionRoutes(sessions: SessionService, fileMaxBytes: number): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['Sessions'];
    const read = { scope: 'sessions:read' as const };
    const write = { scope: 'sessions:write' as const };
    const notActive = { 409: errorBody };

    app.get('/campaigns/:campaignId/sessions', {
      config: read,
      schema: { tags, summary: 'List all sessions for a campaign', params: campaignInvitesParams, querystring: listSessionsQuery, response: { 200: paginated(sessionSchema), ...commonErrors } },
      handler: async (request) => {
        const { sort, order, limit, offset, ...filter } = request.query;
        return sessions.list(request.auth.organizationId, request.params.campaignId, filter, sort, order, limit, offset);
      },
    });

    app.get('/sessions/:sessionId', {
      config: read,
      schema: { tags, summary: 'Retrieve a specific session with full details', params: sessionParams, response: { 200: sessionSchema, ...commonErrors } },
      handler: async (request) => sessions.get(request.auth.organizationId, request.params.sessionId),
    });

    app.post('/sessions/:sessionId/pause', {
      config: write,
      schema: { tags, summary: 'Pause an active interview session', params: sessionParams, body: pauseBody.optional(), response: { 200: sessionSchema, ...notActive, ...commonErrors } },
      handler: async (request) => sessions.pause(request.auth.organizationId, request.params.sessionId, request.body?.reason ?? null),
    });

    app.post('/sessions/:sessionId/resume', {
      config: write,
      schema: { tags, summary: 'Resume a paused interview session', params: sessionParams, response: { 200: sessionSchema, ...notActive, ...commonErrors } },
      handler: async (request) => sessions.resume(request.auth.organizationId, request.params.sessionId),
    });

    app.post('/sessions/:sessionId/heartbeat', {
      config: write,
      schema: { tags, summary: 'Send a heartbeat to keep the session alive', params: sessionParams, response: { 200: sessionSchema, ...notActive, ...commonErrors } },
      handler: async (request) => sessions.heartbeat(request.auth.organizationId, request.params.sessionId),
    });

    app.post('/sessions/:sessionId/consent', {
      config: write,
      schema: { tags, summary: 'Record participant consent for the session', params: sessionParams, body: consentBody, response: { 200: sessionSchema, ...notActive, ...commonErrors } },
      handler: async (request) => sessions.consent(request.auth.organizationId, request.params.sessionId, request.body),
    });

    app.get('/sessions/:sessionId/files', {
      config: read,
      schema: { tags, summary: 'List all files associated with a session', params: sessionParams, response: { 200: z.object({ data: z.array(sessionFileSchema) }), ...commonErrors } },
      handler: async (request) => ({ data: await sessions.files(request.auth.organizationId, request.params.sessionId) }),
    });

    app.post('/sessions/:sessionId/files', {
      config: write,
      schema: {
        tags,
        summary: 'Upload a file to a session (audio, video, images, PDF)',
        description: `multipart/form-data with one file; at most ${fileMaxBytes} bytes`,
        params: sessionParams,
        response: { 201: sessionFileSchema, 413: errorBody, 415: errorBody, ...commonErrors },
      },
      handler: async (request, reply) => {
        if (!request.isMultipart()) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the file as multipart/form-data');
        const file = await request.file({ limits: { fileSize: fileMaxBytes, files: 1 } });
        if (!file) throw new AppError('INVALID_REQUEST', 'The multipart body has no file');
        const saved = await sessions.upload(request.auth.organizationId, request.params.sessionId, { filename: file.filename, stream: file.file }, fileMaxBytes);
        return reply.status(201).send(saved);
      },
    });

    app.get('/sessions/:sessionId/files/:fileId', {
      config: read,
      schema: { tags, summary: 'Download a session file', params: sessionFileParams, response: { 200: z.any().describe('The file'), ...commonErrors } },
      handler: async (request, reply) => {
        const { file, stream } = await sessions.openFile(request.auth.organizationId, request.params.sessionId, request.params.fileId);
        // Always a download, never rendered: nothing uploaded can run in an administrator's browser.
        return reply
          .header('Content-Type', file.contentType)
          .header('Content-Length', file.size)
          .header('X-Content-Type-Options', 'nosniff')
          .header('Content-Security-Policy', "default-src 'none'; sandbox")
          .header('Content-Disposition', `attachment; filename="${file.filename}"`)
          .send(stream);
      },
    });
  };
}
