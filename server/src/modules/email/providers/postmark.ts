import { AppError } from '../../../core/errors.js';
import { safeEqual } from '../../../core/crypto.js';
import type { EmailEventType } from '../email-events.js';
import { detailOf, header, instant, parseJsonBody, record, text, type ProviderEvent, type ProviderRequest } from './provider.js';

const hardBounces = new Set(['HardBounce', 'BadEmailAddress', 'Blocked', 'ManuallyDeactivated', 'SpamNotification', 'Unsubscribe', 'AddressChange']);

/**
 * Postmark webhooks. Postmark does not sign them; it sends the credentials put in the
 * webhook's URL as HTTP Basic authentication, which are checked here.
 */
export function parsePostmark(request: ProviderRequest, deps: { username: string; password: string }): ProviderEvent[] {
  const auth = header(request, 'authorization') ?? '';
  const expected = `Basic ${Buffer.from(`${deps.username}:${deps.password}`).toString('base64')}`;
  if (!safeEqual(auth, expected)) throw new AppError('INVALID_SIGNATURE', 'wrong or missing Postmark webhook credentials');
  const body = parseJsonBody(request.rawBody);
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new AppError('INVALID_REQUEST', 'not a Postmark webhook');
  const e = body as Record<string, any>;
  let type: EmailEventType | undefined;
  let detail: string | null = null;
  switch (e.RecordType) {
    case 'Delivery':
      type = 'delivered';
      detail = detailOf([e.Details]);
      break;
    case 'Bounce':
      type = hardBounces.has(e.Type) ? 'bounced' : 'deferred';
      detail = detailOf([e.Type, e.Description, e.Details], ': ');
      break;
    case 'SpamComplaint':
      type = 'complained';
      break;
    case 'Open':
      type = 'opened';
      break;
    case 'Click':
      type = 'clicked';
      break;
    case 'SubscriptionChange':
      type = e.SuppressSending ? 'unsubscribed' : undefined;
      break;
  }
  if (!type) return [];
  return [
    {
      ids: { parleyId: text(record(e.Metadata).parley_message_id), providerId: text(e.MessageID) },
      event: { type, detail, raw: e, at: instant(e.DeliveredAt ?? e.BouncedAt ?? e.ReceivedAt ?? e.ChangedAt) },
    },
  ];
}
