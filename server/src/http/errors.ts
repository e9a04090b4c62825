import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, errorStatus, type ErrorCode } from '../core/errors.js';
import { maskUrl } from './logging.js';
import type { FieldIssue } from './validation.js';

interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown>; [extra: string]: unknown };
}

function body(code: ErrorCode, message: string, details?: Record<string, unknown>, extra?: Record<string, unknown>): ErrorBody {
  return { error: { code, message, ...(details ? { details } : {}), ...extra } };
}

/** Maps Fastify's own errors (body parsing, limits) onto our codes. */
const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_REQ_FILE_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_FILES_LIMIT: 'PAYLOAD_TOO_LARGE',
  FST_PARTS_LIMIT: 'PAYLOAD_TOO_LARGE',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
};

function validationBody(error: FastifyError): { status: number; payload: ErrorBody } {
  const issues = (error.validation ?? []) as unknown as FieldIssue[];
  const location = error.validationContext ?? 'body';
  const fields = issues.map((i) => ({ path: i.path, message: i.message, code: i.code }));
  const where = location === 'querystring' ? 'query' : location;
  // A malformed request (a query or path parameter, a missing field, a body that is not an
  // object) is a 400; a well-formed body with invalid values is a 422, as the API documents.
  const malformed = location !== 'body' || issues.some((i) => i.missing || (i.path === '' && i.code === 'invalid_type'));
  const code: ErrorCode = malformed ? 'INVALID_REQUEST' : 'VALIDATION_ERROR';
  const first = fields[0];
  const message = first
    ? `${first.path ? `${where}.${first.path}` : where}: ${first.message}` +
      (fields.length > 1 ? ` (and ${fields.length - 1} more)` : '')
    : 'The request is invalid';
  return { status: errorStatus[code], payload: body(code, message, { location: where, fields }) };
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof AppError) {
      return reply.status(error.status).send(body(error.code, error.message, error.details, error.extra));
    }
    if (error.validation) {
      const { status, payload } = validationBody(error);
      return reply.status(status).send(payload);
    }
    const mapped = error.code ? fastifyCodes[error.code] : undefined;
    if (mapped) return reply.status(errorStatus[mapped]).send(body(mapped, error.message));
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Malformed JSON and other body-parser rejections.
      return reply.status(400).send(body('INVALID_REQUEST', error.message));
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply
      .status(500)
      .send(body('INTERNAL_ERROR', 'An unexpected error occurred. Contact support if it persists.', {
        requestId: request.id,
      }));
  });

  app.setNotFoundHandler((request, reply) => {
    // The path is masked like in the logs: an interview token never comes back in a body.
    reply.status(404).send(body('RESOURCE_NOT_FOUND', `No route for ${request.method} ${maskUrl(request.url.split('?')[0]!)}`));
  });
}
