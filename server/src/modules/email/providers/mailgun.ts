import { createHmac } from 'node:crypto';
import { AppError } from '../../../core/errors.js';
import { safeEqual } from '../../../core/crypto.js';
import type { EmailEventType } from '../email-events.js';
import { detailOf, instant, parseJsonBody, record, text, type ProviderEvent, type ProviderRequest, type WebhookReceipts } from './provider.js';

const maxAgeSeconds = 15 * 60;

/**
 * Mailgun webhooks: HMAC-SHA-256 of timestamp + token under the webhook signing key, a
 * timestamp no older than 15 minutes, and a token never seen before (replays are refused).
 */
export function createMailgunParser(deps: { signingKey: string; now: () => Date; receipts: WebhookReceipts }) {
  return async function parseMailgun(request: ProviderRequest): Promise<{ events: ProviderEvent[]; receipt: string }> {
    const body = record(parseJsonBody(request.rawBody));
    const sig = record(body.signature);
    if (typeof sig.timestamp !== 'string' || typeof sig.token !== 'string' || typeof sig.signature !== 'string') {
      throw new AppError('INVALID_SIGNATURE', 'missing Mailgun signature');
    }
    const expected = createHmac('sha256', deps.signingKey).update(sig.timestamp + sig.token).digest('hex');
    if (!safeEqual(expected, sig.signature)) throw new AppError('INVALID_SIGNATURE', 'the Mailgun signature does not verify');
    const now = deps.now().getTime() / 1000;
    const signedAt = /^\d+$/.test(sig.timestamp) ? Number(sig.timestamp) : Number.NaN;
    if (!Number.isFinite(signedAt) || Math.abs(now - signedAt) > maxAgeSeconds) {
      throw new AppError('INVALID_SIGNATURE', 'the Mailgun signature is too old (or its timestamp is not one)');
    }
    // Remembered (by every API process: the receipt is a row) for as long as its timestamp
    // passes the check above, which for a timestamp ahead of our clock is more than 15 minutes.
    if (!(await deps.receipts.claim('mailgun', sig.token, new Date((signedAt + maxAgeSeconds) * 1000)))) {
      throw new AppError('INVALID_SIGNATURE', 'this Mailgun webhook was already received (replay)');
    }

    const e = record(body['event-data']);
    let type: EmailEventType | undefined;
    switch (e.event) {
      case 'delivered': type = 'delivered'; break;
      case 'failed': type = e.severity === 'permanent' ? 'bounced' : 'deferred'; break;
      case 'opened': type = 'opened'; break;
      case 'clicked': type = 'clicked'; break;
      case 'complained': type = 'complained'; break;
      case 'unsubscribed': type = 'unsubscribed'; break;
    }
    if (!type) return { events: [], receipt: sig.token };
    const status = record(e['delivery-status']);
    const events: ProviderEvent[] = [
      {
        ids: {
          parleyId: text(record(e['user-variables']).parley_message_id),
          messageIdHeader: text(record(record(e.message).headers)['message-id']),
        },
        event: {
          type,
          detail: detailOf([status.code, text(status.message) ?? text(status.description) ?? e.reason]),
          raw: e,
          at: instant(e.timestamp),
        },
      },
    ];
    return { events, receipt: sig.token };
  };
}
