import { verify, type KeyObject } from 'node:crypto';
import { AppError } from '../../../core/errors.js';
import type { EmailEventType } from '../email-events.js';
import { detailOf, header, instant, parseJsonBody, record, text, type ProviderEvent, type ProviderRequest } from './provider.js';

const types: Record<string, EmailEventType | undefined> = {
  delivered: 'delivered',
  deferred: 'deferred',
  dropped: 'failed',
  spamreport: 'complained',
  open: 'opened',
  click: 'clicked',
  unsubscribe: 'unsubscribed',
  group_unsubscribe: 'unsubscribed',
};

/** Twilio SendGrid's signed Event Webhook: ECDSA (P-256, SHA-256) over timestamp + body. */
export function parseSendgrid(request: ProviderRequest, deps: { publicKey: KeyObject }): ProviderEvent[] {
  const signature = header(request, 'x-twilio-email-event-webhook-signature');
  const timestamp = header(request, 'x-twilio-email-event-webhook-timestamp');
  if (!signature || !timestamp) throw new AppError('INVALID_SIGNATURE', 'missing SendGrid signature headers');
  const ok = verify('sha256', Buffer.from(timestamp + request.rawBody), deps.publicKey, Buffer.from(signature, 'base64'));
  if (!ok) throw new AppError('INVALID_SIGNATURE', 'the SendGrid signature does not verify');
  const events = parseJsonBody(request.rawBody);
  if (!Array.isArray(events)) throw new AppError('INVALID_REQUEST', 'a SendGrid webhook carries an array of events');
  return events.flatMap((item: unknown): ProviderEvent[] => {
    const e = record(item);
    const name = text(e.event);
    // Own keys only: an event named "constructor" or "__proto__" is not one of ours.
    let type = name !== undefined && Object.hasOwn(types, name) ? types[name] : undefined;
    if (name === 'bounce') type = e.type === 'blocked' ? 'deferred' : 'bounced';
    if (!type) return [];
    return [
      {
        ids: { parleyId: text(e.parley_message_id), messageIdHeader: text(e['smtp-id']), providerId: text(e.sg_message_id)?.split('.')[0] },
        event: {
          type,
          detail: detailOf([e.reason]) ?? detailOf([e.response]),
          raw: item,
          at: instant(e.timestamp),
        },
      },
    ];
  });
}
