import type { EmailEvent } from '../email-events.js';

/** What a provider's webhook says about one message. */
export interface ProviderEvent {
  ids: { parleyId?: string | undefined; messageIdHeader?: string | undefined; providerId?: string | undefined };
  event: EmailEvent;
}

export interface ProviderRequest {
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
}

export const header = (request: ProviderRequest, name: string): string | undefined => {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
};

export function parseJsonBody(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/*
 * A webhook body is only as trustworthy as its authentication (Postmark's is a password), and
 * even a signed one may carry fields of unexpected types. These read a field as what it should
 * be, or as absent, so that odd input matches nothing instead of failing the request.
 */

/** A non-empty string, or undefined. */
export const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** A plain object (never an array or null), or an empty one. */
export const record = (value: unknown): Record<string, any> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, any>) : {};

/** Strings and numbers among `parts`, joined, or null when there are none. */
export function detailOf(parts: unknown[], separator = ' '): string | null {
  const kept = parts.filter((p) => (typeof p === 'string' && p !== '') || (typeof p === 'number' && Number.isFinite(p)));
  return kept.length > 0 ? kept.join(separator) : null;
}

const latestInstant = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * A provider's time as an ISO 8601 UTC instant, from an ISO 8601 date-time (any offset, any
 * fraction) or Unix seconds; anything else is undefined (the event then takes the time it arrived).
 */
export function instant(value: unknown): string | undefined {
  let ms: number;
  if (typeof value === 'number') ms = value * 1000;
  else if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) ms = Date.parse(value);
  else return undefined;
  return Number.isFinite(ms) && ms >= 0 && ms <= latestInstant ? new Date(ms).toISOString() : undefined;
}

/** Webhook deliveries already received, shared by every process (a provider's replay protection). */
export interface WebhookReceipts {
  /** Records the token; false when it was already there (a replay). */
  claim(provider: string, token: string, keepUntil: Date): Promise<boolean>;
  /** Forgets it again, so the provider's retry of a delivery we failed to process is accepted. */
  release(provider: string, token: string): Promise<void>;
}
