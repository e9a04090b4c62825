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
