import { z } from 'zod';

/** Shared pieces of request and response schemas. */

export const paginationQuery = {
  limit: z.coerce.number().int().min(1).max(100).default(20).describe('Results per page (1-100)'),
  offset: z.coerce.number().int().min(0).default(0).describe('Pagination offset'),
};

export const sortOrder = z.enum(['asc', 'desc']).default('desc');

export function paginated<T extends z.ZodType>(item: T) {
  return z.object({
    data: z.array(item),
    pagination: z.object({
      total: z.number().int(),
      limit: z.number().int(),
      offset: z.number().int(),
      hasMore: z.boolean(),
    }),
  });
}

export interface Page<T> {
  data: T[];
  pagination: { total: number; limit: number; offset: number; hasMore: boolean };
}

export function page<T>(data: T[], total: number, limit: number, offset: number): Page<T> {
  return { data, pagination: { total, limit, offset, hasMore: offset + data.length < total } };
}

export const errorBody = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
      retryAfter: z.number().optional(),
    }),
  })
  .meta({ id: 'Error' });

/** The error answers every authenticated route can give, for the OpenAPI document. */
export const commonErrors = {
  400: errorBody,
  401: errorBody,
  403: errorBody,
  404: errorBody,
  422: errorBody,
  429: errorBody,
};

export const timestamp = z.string().describe('ISO 8601 UTC timestamp');

/** Trims; an empty string after trimming counts as absent where the field is optional. */
export const trimmed = (max: number) => z.string().trim().max(max);

/**
 * The rules of metadata, in one place: a flat object of string (≤ 2,000 characters), number or
 * boolean values, keys of 1-100 characters, at most 50 keys and 8 KB. Returns what is wrong.
 */
export function metadataProblem(value: unknown): string | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'metadata must be an object';
  const entries = Object.entries(value);
  if (entries.length > 50) return 'metadata has more than 50 keys';
  for (const [key, v] of entries) {
    if (key.length < 1 || key.length > 100) return `metadata key "${key.slice(0, 20)}" must have 1-100 characters`;
    if (typeof v === 'string') {
      if (v.length > 2000) return `metadata.${key} is longer than 2,000 characters`;
    } else if (typeof v !== 'boolean' && !(typeof v === 'number' && Number.isFinite(v))) {
      return `metadata.${key} must be a string, number or boolean`;
    }
  }
  if (Buffer.byteLength(JSON.stringify(value)) > 8192) return 'metadata is larger than 8 KB';
  return undefined;
}

/** Flat JSON metadata; see `metadataProblem`. */
export const metadataSchema = z
  .record(z.string().min(1).max(100), z.union([z.string().max(2000), z.number(), z.boolean()]))
  .superRefine((m, ctx) => {
    const problem = metadataProblem(m);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** A free-form settings object, bounded in size. */
export function boundedObject(maxBytes: number) {
  return z
    .record(z.string(), z.unknown())
    .refine((o) => Buffer.byteLength(JSON.stringify(o)) <= maxBytes, `larger than ${maxBytes} bytes`);
}
