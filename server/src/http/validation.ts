import type { FastifySchemaCompiler } from 'fastify';
import type { ZodType } from 'zod';

/** One failed check of a request, as it appears in `error.details.fields`. */
export interface FieldIssue {
  path: string;
  message: string;
  code: string;
  /** The field was absent: the request is incomplete rather than wrong. */
  missing: boolean;
  // Fastify formats its own message from these two.
  instancePath: string;
  keyword: string;
}

function valueAt(data: unknown, path: PropertyKey[]): unknown {
  let current = data;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/**
 * Validates with the route's Zod schema and keeps, for each issue, whether the field was
 * missing, so the error handler can tell a malformed request (400) from an invalid one (422).
 */
export const validatorCompiler: FastifySchemaCompiler<ZodType> = ({ schema }) => (data) => {
  const result = schema.safeParse(data);
  if (result.success) return { value: result.data };
  const issues: FieldIssue[] = result.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    return {
      path,
      message: issue.message,
      code: issue.code,
      missing: issue.code === 'invalid_type' && valueAt(data, issue.path) === undefined,
      instancePath: `/${issue.path.map(String).join('/')}`,
      keyword: issue.code,
    };
  });
  return { error: issues as never };
};
