import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../core/errors.js';
import { commonErrors, errorBody, paginated } from '../../http/schemas.js';
import type { ScriptMediaService } from './script-media.service.js';
import type { ScriptTransfer } from './script-transfer.js';
import type { ScriptService } from './script.service.js';
import {
  createScriptBody, createVersionBody, exportQuery, importScriptBody, listScriptsQuery, mediaParams, mediaSchema,
  scriptExportSchema, scriptParams, scriptSchema, updateScriptBody, versionParams, versionSchema,
} from './script.schemas.js';

/** Scripts are part of setting up campaigns; they use the campaigns permissions. */
export function scriptRoutes(
  scripts: ScriptService,
  transfer: ScriptTransfer,
  media: ScriptMediaService,
  mediaMaxBytes: number,
): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['Scripts'];
    const read = { scope: 'campaigns:read' as const };
    const write = { scope: 'campaigns:write' as const };

    app.post('/scripts', {
      config: write,
      schema: { tags, summary: 'Create a new interview script', body: createScriptBody, response: { 201: scriptSchema, ...commonErrors } },
      handler: async (request, reply) => reply.status(201).send(await scripts.create(request.auth.organizationId, request.body)),
    });

    app.get('/scripts', {
      config: read,
      schema: { tags, summary: 'List all scripts in your organization', querystring: listScriptsQuery, response: { 200: paginated(scriptSchema), ...commonErrors } },
      handler: async (request) => {
        const { limit, offset, ...filter } = request.query;
        return scripts.list(request.auth.organizationId, filter, limit, offset);
      },
    });

    app.post('/scripts/import', {
      config: write,
      schema: { tags, summary: 'Import a script from a JSON export', body: importScriptBody, response: { 201: scriptSchema, ...commonErrors } },
      handler: async (request, reply) => reply.status(201).send(await transfer.import(request.auth.organizationId, request.body)),
    });

    app.get('/scripts/:scriptId', {
      config: read,
      schema: { tags, summary: 'Retrieve a script with all questions and its versions', params: scriptParams, response: { 200: scriptSchema, ...commonErrors } },
      handler: async (request) => scripts.get(request.auth.organizationId, request.params.scriptId),
    });

    app.route({
      method: ['PATCH', 'PUT'],
      url: '/scripts/:scriptId',
      config: write,
      schema: {
        tags,
        summary: 'Update a script (a published script gets a new draft version)',
        params: scriptParams,
        body: updateScriptBody,
        response: { 200: scriptSchema, ...commonErrors },
      },
      handler: async (request) => scripts.update(request.auth.organizationId, request.params.scriptId, request.body),
    });

    app.delete('/scripts/:scriptId', {
      config: write,
      schema: {
        tags,
        summary: 'Delete a script (fails while an active campaign uses it)',
        params: scriptParams,
        response: { 204: z.null().describe('Deleted'), 409: errorBody, ...commonErrors },
      },
      handler: async (request, reply) => {
        await scripts.remove(request.auth.organizationId, request.params.scriptId);
        return reply.status(204).send(null);
      },
    });

    app.post('/scripts/:scriptId/publish', {
      config: write,
      schema: { tags, summary: 'Publish the latest version, making it available for campaigns', params: scriptParams, response: { 200: scriptSchema, ...commonErrors } },
      handler: async (request) => scripts.publish(request.auth.organizationId, request.params.scriptId),
    });

    app.post('/scripts/:scriptId/versions', {
      config: write,
      schema: {
        tags,
        summary: 'Create a new version of a script',
        params: scriptParams,
        body: createVersionBody,
        response: { 201: scriptSchema, ...commonErrors },
      },
      handler: async (request, reply) =>
        reply.status(201).send(await scripts.createVersion(request.auth.organizationId, request.params.scriptId, request.body)),
    });

    app.get('/scripts/:scriptId/versions', {
      config: read,
      schema: { tags, summary: 'List the versions of a script, newest first', params: scriptParams, response: { 200: z.object({ data: z.array(versionSchema) }), ...commonErrors } },
      handler: async (request) => ({ data: await scripts.listVersions(request.auth.organizationId, request.params.scriptId) }),
    });

    app.get('/scripts/:scriptId/versions/:version', {
      config: read,
      schema: { tags, summary: 'Retrieve one version of a script', params: versionParams, response: { 200: versionSchema, ...commonErrors } },
      handler: async (request) =>
        scripts.getVersion(request.auth.organizationId, request.params.scriptId, request.params.version),
    });

    app.get('/scripts/:scriptId/export', {
      config: read,
      schema: {
        tags,
        summary: 'Export a script as JSON for backup or migration',
        params: scriptParams,
        querystring: exportQuery,
        response: { 200: scriptExportSchema, ...commonErrors },
      },
      handler: async (request, reply) => {
        const doc = await transfer.export(request.auth.organizationId, request.params.scriptId, request.query.version);
        reply.header('Content-Disposition', `attachment; filename="${request.params.scriptId}-v${doc.source.version}.json"`);
        return doc;
      },
    });

    app.post('/scripts/:scriptId/media', {
      config: write,
      schema: {
        tags,
        summary: 'Upload a media file (image or audio) for use in script questions',
        description: `multipart/form-data with one file field; at most ${mediaMaxBytes} bytes`,
        params: scriptParams,
        response: { 201: mediaSchema, 413: errorBody, 415: errorBody, ...commonErrors },
      },
      handler: async (request, reply) => {
        if (!request.isMultipart()) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the file as multipart/form-data');
        const file = await request.file({ limits: { fileSize: mediaMaxBytes, files: 1, fields: 5 } });
        if (!file) throw new AppError('INVALID_REQUEST', 'The multipart body has no file');
        const saved = await media.upload(request.auth.organizationId, request.params.scriptId, {
          filename: file.filename,
          stream: file.file,
        });
        return reply.status(201).send(saved);
      },
    });

    app.get('/scripts/:scriptId/media', {
      config: read,
      schema: { tags, summary: 'List the media files of a script', params: scriptParams, response: { 200: z.object({ data: z.array(mediaSchema) }), ...commonErrors } },
      handler: async (request) => ({ data: await media.list(request.auth.organizationId, request.params.scriptId) }),
    });

    app.get('/scripts/:scriptId/media/:mediaId', {
      config: read,
      schema: { tags, summary: 'Download a media file', params: mediaParams, response: { 200: z.any().describe('The file'), ...commonErrors } },
      handler: async (request, reply) => {
        const { media: file, stream } = await media.open(request.auth.organizationId, request.params.scriptId, request.params.mediaId);
        return reply
          .header('Content-Type', file.contentType)
          .header('Content-Length', file.size)
          .header('X-Content-Type-Options', 'nosniff')
          .header('Content-Security-Policy', "default-src 'none'; sandbox")
          .header('Content-Disposition', `inline; filename="${file.filename}"`)
          .send(stream);
      },
    });

    app.delete('/scripts/:scriptId/media/:mediaId', {
      config: write,
      schema: { tags, summary: 'Delete a media file', params: mediaParams, response: { 204: z.null().describe('Deleted'), ...commonErrors } },
      handler: async (request, reply) => {
        await media.remove(request.auth.organizationId, request.params.scriptId, request.params.mediaId);
        return reply.status(204).send(null);
      },
    });
  };
}
