import { createHmac } from 'node:crypto';
import { AppError } from '../../../core/errors.js';
import { safeEqual } from '../../../core/crypto.js';
import type { EmailEventType } from '../email-events.js';
import { parseJsonBody, type ProviderEvent, type ProviderRequest } from './provider.js';

const maxAgeSeconds = 15 * 60;

/**
 * Mailgun webhooks: HMAC-SHA-256 of timestamp + token under the webhook signing key, a
 * timestamp no older than 15 minutes, and a token never seen before (replays are refused).
 */
export function createMailgunParser(deps: { signingKey: string; now: () => Date }) {
  const seen = new Map<string, number>();
  return function parseMailgun(request: ProviderRequest): ProviderEvent[] {
    const body = parseJsonBody(request.rawBody) as Record<string, any> | undefined;
    const sig = body?.signature;
    if (!sig || typeof sig.timestamp !== 'string' || typeof sig.token !== 'string' || typeof sig.signature !== 'string') {
      throw new AppError('INVALID_SIGNATURE', 'missing Mailgun signature');
    }
    const expected = createHmac('sha256', deps.signingKey).update(sig.timestamp + sig.token).digest('hex');
    if (!safeEqual(expected, sig.signature)) throw new AppError('INVALID_SIGNATURE', 'the Mailgun signature does not verify');
    const now = deps.now().getTime() / 1000;
    if (Math.abs(now - Number(sig.timestamp)) > maxAgeSeconds) throw new AppError('INVALID_SIGNATURE', 'the Mailgun signature is too old');
    for (const [token, at] of seen) if (now - at > maxAgeSeconds) seen.delete(token);
    if (seen.has(sig.token)) throw new AppError('INVALID_SIGNATURE', 'this Mailgun webhook was already received (replay)');
    seen.set(sig.token, now);

    const e = body!['event-data'] ?? {};
    let type: EmailEventType | undefined;
    switch (e.event) {
      case 'delivered': type = 'delivered'; break;
      case 'failed': type = e.severity === 'permanent' ? 'bounced' : 'deferred'; break;
      case 'opened': type = 'opened'; break;
      case 'clicked': type = 'clicked'; break;
      case 'complained': type = 'complained'; break;
      case 'unsubscribed': type = 'unsubscribed'; break;
    }
    if (!type) return [];
    const status = e['delivery-status'] ?? {};
    return [
      {
        ids: {
          parleyId: e['user-variables']?.parley_message_id,
          messageIdHeader: e.message?.headers?.['message-id'],
        },
        event: {
          type,
          detail: [status.code, status.message ?? status.description ?? e.reason].filter(Boolean).join(' ') || null,
          raw: e,
          at: typeof e.timestamp === 'number' ? new Date(e.timestamp * 1000).toISOString() : undefined,
        },
      },
    ];
  };
}
