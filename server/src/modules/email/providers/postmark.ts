import { AppError } from '../../../core/errors.js';
import { safeEqual } from '../../../core/crypto.js';
import type { EmailEventType } from '../email-events.js';
import { header, parseJsonBody, type ProviderEvent, type ProviderRequest } from './provider.js';

const hardBounces = new Set(['HardBounce', 'BadEmailAddress', 'Blocked', 'ManuallyDeactivated', 'SpamNotification', 'Unsubscribe', 'AddressChange']);

/**
 * Postmark webhooks. Postmark does not sign them; it sends the credentials put in the
 * webhook's URL as HTTP Basic authentication, which are checked here.
 */
export function parsePostmark(request: ProviderRequest, deps: { username: string; password: string }): ProviderEvent[] {
  const auth = header(request, 'authorization') ?? '';
  const expected = `Basic ${Buffer.from(`${deps.username}:${deps.password}`).toString('base64')}`;
  if (!safeEqual(auth, expected)) throw new AppError('INVALID_SIGNATURE', 'wrong or missing Postmark webhook credentials');
  const e = parseJsonBody(request.rawBody) as Record<string, any> | undefined;
  if (!e || typeof e !== 'object') throw new AppError('INVALID_REQUEST', 'not a Postmark webhook');
  let type: EmailEventType | undefined;
  let detail: string | null = null;
  switch (e.RecordType) {
    case 'Delivery':
      type = 'delivered';
      detail = e.Details ?? null;
      break;
    case 'Bounce':
      type = hardBounces.has(e.Type) ? 'bounced' : 'deferred';
      detail = [e.Type, e.Description, e.Details].filter(Boolean).join(': ');
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
      ids: { parleyId: e.Metadata?.parley_message_id, providerId: e.MessageID },
      event: { type, detail, raw: e, at: e.DeliveredAt ?? e.BouncedAt ?? e.ReceivedAt ?? e.ChangedAt ?? undefined },
    },
  ];
}
