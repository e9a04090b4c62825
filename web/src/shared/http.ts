/** The error envelope every Parley endpoint answers with: `{"error":{"code","message","details"}}`. */
export interface ApiError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
  retryAfter?: number;
}

/** What a request came to: an answer, an error the server explained, or no answer at all. */
export type Outcome<T> = { kind: 'ok'; data: T } | { kind: 'error'; status: number; error: ApiError } | { kind: 'offline' };

/** A JSON request to the same origin (the session cookie goes along); it never throws. */
export async function requestJson<T>(method: 'GET' | 'POST', url: string, body?: unknown): Promise<Outcome<T>> {
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      credentials: 'same-origin',
      cache: 'no-store',
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    return { kind: 'offline' };
  }
  let parsed: unknown = null;
  try {
    parsed = await response.json();
  } catch {
    // A proxy's HTML error page, or a body cut short: not an answer we can use.
  }
  if (response.ok && parsed !== null && typeof parsed === 'object') return { kind: 'ok', data: parsed as T };
  const error = (parsed as { error?: ApiError } | null)?.error;
  return {
    kind: 'error',
    status: response.ok ? 502 : response.status,
    error: error && typeof error.code === 'string' ? error : { code: 'INTERNAL_ERROR', message: response.statusText },
  };
}
