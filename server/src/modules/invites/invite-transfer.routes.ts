import { Transform, type Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../core/errors.js';
import { commonErrors, errorBody } from '../../http/schemas.js';
import type { InviteExporter } from './invite-export.js';
import type { InviteImporter } from './invite-import.js';
import type { InviteSharing } from './invite-share.js';
import {
  campaignInvitesParams, exportInvitesQuery, importInvitesQuery, importReportSchema, inviteParams, metadataFilter, qrQuery, shareSchema,
} from './invite.schemas.js';

/** Stops a streamed upload once it passes `max` bytes. */
function limited(source: Readable, max: number): Readable {
  let seen = 0;
  const gate = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > max) done(new AppError('PAYLOAD_TOO_LARGE', `The file is larger than ${max} bytes`));
      else done(null, chunk);
    },
  });
  source.on('error', (error) => gate.destroy(error));
  return source.pipe(gate);
}

/** CSV import and export, QR codes and share links. */
export function inviteTransferRoutes(deps: {
  importer: InviteImporter;
  exporter: InviteExporter;
  sharing: InviteSharing;
  importMaxBytes: number;
}): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['Invites'];
    // A CSV body reaches the handler as the request stream itself: it is never held whole.
    app.addContentTypeParser(['text/csv', 'application/csv'], (_request, payload, done) => done(null, payload));

    app.post('/campaigns/:campaignId/invites/import', {
      config: { scope: 'invites:write' },
      schema: {
        tags,
        summary: 'Import participants from a CSV (email,name,metadata; extra columns become metadata)',
        description:
          'Send the CSV as the body (`Content-Type: text/csv`) or as the file of a multipart/form-data request. ' +
          'metadata cells hold `key=value;key2=value2` pairs or a JSON object. Every row is reported: created, ' +
          'skipped (an open invite for the address exists, or it appears earlier in the file) or invalid, with the reason.',
        params: campaignInvitesParams,
        querystring: importInvitesQuery,
        response: { 200: importReportSchema, 409: errorBody, 413: errorBody, 415: errorBody, ...commonErrors },
      },
      handler: async (request) => {
        let source: Readable;
        if (request.isMultipart()) {
          const file = await request.file({ limits: { fileSize: deps.importMaxBytes, files: 1 } });
          if (!file) throw new AppError('INVALID_REQUEST', 'The multipart body has no file');
          source = file.file;
        } else if (typeof (request.body as Readable | undefined)?.pipe === 'function') {
          source = request.body as Readable;
        } else {
          throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the CSV as text/csv or as multipart/form-data');
        }
        const { sendEmail, report, ...expiry } = request.query;
        return deps.importer.import(request.auth.organizationId, request.params.campaignId, limited(source, deps.importMaxBytes), {
          ...expiry,
          sendEmail: sendEmail ?? true,
          fullReport: report === 'full',
        });
      },
    });

    app.get('/campaigns/:campaignId/invites/export', {
      config: { scope: 'invites:read' },
      schema: {
        tags,
        summary: "Export a campaign's invites, with their links, as CSV",
        params: campaignInvitesParams,
        querystring: exportInvitesQuery,
        response: { 200: z.any().describe('text/csv'), ...commonErrors },
      },
      handler: async (request, reply) => {
        const { status, email, emailDomain, createdAfter, createdBefore, expiresAfter, expiresBefore } = request.query;
        const stream = await deps.exporter.open(request.auth.organizationId, request.params.campaignId, {
          status, email, emailDomain, createdAfter, createdBefore, expiresAfter, expiresBefore,
          metadata: metadataFilter(request.query),
        });
        return reply
          .header('Content-Type', 'text/csv; charset=utf-8')
          .header('Content-Disposition', `attachment; filename="invites-${request.params.campaignId}.csv"`)
          .header('Cache-Control', 'no-store')
          .send(stream);
      },
    });

    app.get('/invites/:inviteId/share', {
      config: { scope: 'invites:read' },
      schema: {
        tags,
        summary: 'Ready-made links to share an invite by email, WhatsApp, SMS or QR code',
        params: inviteParams,
        response: { 200: shareSchema, 409: errorBody, ...commonErrors },
      },
      handler: async (request) => deps.sharing.links(request.auth.organizationId, request.params.inviteId),
    });

    app.get('/invites/:inviteId/qr', {
      config: { scope: 'invites:read' },
      schema: {
        tags,
        summary: "A QR code of the invite's link (PNG or SVG)",
        params: inviteParams,
        querystring: qrQuery,
        response: { 200: z.any().describe('image/png or image/svg+xml'), 409: errorBody, ...commonErrors },
      },
      handler: async (request, reply) => {
        const qr = await deps.sharing.qrCode(request.auth.organizationId, request.params.inviteId, request.query.format, request.query.size);
        return reply
          .header('Content-Type', qr.type)
          .header('Cache-Control', 'private, no-store')
          .header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox")
          .send(qr.body);
      },
    });
  };
}
