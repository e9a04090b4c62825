/**
 * The closed list of error codes Parley answers with, and the HTTP status of each.
 * The first block is the public API's list; the second holds Parley's own codes,
 * used only where none of the first fits.
 */
export const errorStatus = {
  INVALID_REQUEST: 400,
  INVALID_API_KEY: 401,
  INSUFFICIENT_PERMISSIONS: 403,
  RESOURCE_NOT_FOUND: 404,
  CAMPAIGN_NOT_ACTIVE: 409,
  INVITE_EXPIRED: 409,
  SESSION_NOT_ACTIVE: 409,
  INSUFFICIENT_CREDITS: 402,
  VALIDATION_ERROR: 422,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,

  INVALID_SIGNATURE: 401,
  RESOURCE_CONFLICT: 409,
  INVALID_STATE_TRANSITION: 409,
  IDEMPOTENCY_KEY_IN_USE: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  /** Extra top-level fields of the error object, such as `retryAfter`. */
  readonly extra: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    details?: Record<string, unknown>,
    extra?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.status = errorStatus[code];
    this.details = details;
    this.extra = extra;
  }
}

export function notFound(resource: string, id?: string): AppError {
  return new AppError(
    'RESOURCE_NOT_FOUND',
    id ? `${resource} ${id} was not found` : `${resource} was not found`,
    id ? { resource, id } : { resource },
  );
}

export function validationError(field: string, message: string): AppError {
  return new AppError('VALIDATION_ERROR', message, { fields: [{ path: field, message }] });
}
