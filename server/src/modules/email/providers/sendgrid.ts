import { createPublicKey, verify } from 'node:crypto';
import { AppError } from '../../../core/errors.js';
import type { EmailEventType } from '../email-events.js';
import { header, parseJsonBody, type ProviderEvent, type ProviderRequest } from './provider.js';

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
export function parseSendgrid(request: ProviderRequest, deps: { publicKey: string }): ProviderEvent[] {
  const signature = header(request, 'x-twilio-email-event-webhook-signature');
  const timestamp = header(request, 'x-twilio-email-event-webhook-timestamp');
  if (!signature || !timestamp) throw new AppError('INVALID_SIGNATURE', 'missing SendGrid signature headers');
  const key = createPublicKey({ key: Buffer.from(deps.publicKey, 'base64'), format: 'der', type: 'spki' });
  const ok = verify('sha256', Buffer.from(timestamp + request.rawBody), key, Buffer.from(signature, 'base64'));
  if (!ok) throw new AppError('INVALID_SIGNATURE', 'the SendGrid signature does not verify');
  const events = parseJsonBody(request.rawBody);
  if (!Array.isArray(events)) throw new AppError('INVALID_REQUEST', 'a SendGrid webhook carries an array of events');
  return events.flatMap((e: Record<string, any>): ProviderEvent[] => {
    let type = types[e.event];
    if (e.event === 'bounce') type = e.type === 'blocked' ? 'deferred' : 'bounced';
    if (!type) return [];
    return [
      {
        ids: { parleyId: e.parley_message_id, messageIdHeader: e['smtp-id'], providerId: typeof e.sg_message_id === 'string' ? e.sg_message_id.split('.')[0] : undefined },
        event: {
          type,
          detail: e.reason ?? e.response ?? null,
          raw: e,
          at: typeof e.timestamp === 'number' ? new Date(e.timestamp * 1000).toISOString() : undefined,
        },
      },
    ];
  });
}
