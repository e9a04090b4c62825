import { createVerify } from 'node:crypto';
import type { RemoteFetcher } from '../../../adapters/http/certificates.js';
import { AppError } from '../../../core/errors.js';
import { header, parseJsonBody, type ProviderEvent, type ProviderRequest } from './provider.js';

const snsHost = /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;

interface SnsMessage {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  Signature: string;
  SignatureVersion: string;
  SigningCertURL: string;
  Subject?: string;
  SubscribeURL?: string;
  Token?: string;
}

function snsUrl(value: string | undefined): URL | undefined {
  try {
    const url = new URL(value ?? '');
    return url.protocol === 'https:' && snsHost.test(url.hostname) ? url : undefined;
  } catch {
    return undefined;
  }
}

/** The string SNS signs: documented keys, in order, each followed by its value. */
function stringToSign(m: SnsMessage): string {
  const keys = m.Type === 'Notification'
    ? ['Message', 'MessageId', ...(m.Subject !== undefined ? ['Subject'] : []), 'Timestamp', 'TopicArn', 'Type']
    : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  return keys.map((k) => `${k}\n${(m as unknown as Record<string, string>)[k]}\n`).join('');
}

function sesEvents(notification: Record<string, any>): ProviderEvent[] {
  const type: string = notification.eventType ?? notification.notificationType ?? '';
  const mail = notification.mail ?? {};
  const headers: Array<{ name: string; value: string }> = Array.isArray(mail.headers) ? mail.headers : [];
  const ids = {
    parleyId: headers.find((h) => h.name?.toLowerCase() === 'x-parley-message')?.value,
    messageIdHeader: mail.commonHeaders?.messageId,
    providerId: mail.messageId,
  };
  const at = notification[type.charAt(0).toLowerCase() + type.slice(1)]?.timestamp;
  switch (type) {
    case 'Delivery':
      return [{ ids, event: { type: 'delivered', detail: notification.delivery?.smtpResponse ?? null, raw: notification, at } }];
    case 'Bounce': {
      const bounce = notification.bounce ?? {};
      const detail = [bounce.bounceType, bounce.bounceSubType, bounce.bouncedRecipients?.[0]?.diagnosticCode].filter(Boolean).join(': ');
      return [{ ids, event: { type: bounce.bounceType === 'Permanent' ? 'bounced' : 'deferred', detail, raw: notification, at: bounce.timestamp } }];
    }
    case 'Complaint':
      return [{ ids, event: { type: 'complained', detail: notification.complaint?.complaintFeedbackType ?? null, raw: notification, at: notification.complaint?.timestamp } }];
    case 'DeliveryDelay':
      return [{ ids, event: { type: 'deferred', detail: notification.deliveryDelay?.delayType ?? null, raw: notification, at: notification.deliveryDelay?.timestamp } }];
    case 'Open':
      return [{ ids, event: { type: 'opened', raw: notification, at: notification.open?.timestamp } }];
    case 'Click':
      return [{ ids, event: { type: 'clicked', raw: notification, at: notification.click?.timestamp } }];
    case 'Reject':
      return [{ ids, event: { type: 'failed', detail: notification.reject?.reason ?? 'rejected', raw: notification } }];
    default:
      return [];
  }
}

/**
 * Amazon SES events through SNS. Each message is verified with the certificate named in it
 * (only from sns.<region>.amazonaws.com) and must come from an allowed topic; subscription
 * confirmations are confirmed by visiting their SubscribeURL.
 */
export async function parseSes(request: ProviderRequest, deps: { topicArns: readonly string[]; fetcher: RemoteFetcher }): Promise<ProviderEvent[]> {
  const message = parseJsonBody(request.rawBody) as SnsMessage | undefined;
  if (!message || typeof message !== 'object' || typeof message.Signature !== 'string') {
    throw new AppError('INVALID_REQUEST', 'not an SNS message');
  }
  const type = header(request, 'x-amz-sns-message-type') ?? message.Type;
  if (type !== message.Type) throw new AppError('INVALID_SIGNATURE', 'SNS message type does not match its header');
  if (!deps.topicArns.includes(message.TopicArn)) throw new AppError('INVALID_SIGNATURE', `topic ${message.TopicArn} is not allowed (SES_SNS_TOPIC_ARNS)`);
  const certUrl = snsUrl(message.SigningCertURL);
  if (!certUrl || !certUrl.pathname.endsWith('.pem')) throw new AppError('INVALID_SIGNATURE', 'SigningCertURL is not an SNS certificate');
  const algorithm = message.SignatureVersion === '2' ? 'RSA-SHA256' : message.SignatureVersion === '1' ? 'RSA-SHA1' : undefined;
  if (!algorithm) throw new AppError('INVALID_SIGNATURE', 'unknown SignatureVersion');
  const certificate = await deps.fetcher.text(certUrl.toString());
  const valid = createVerify(algorithm).update(stringToSign(message)).verify(certificate, message.Signature, 'base64');
  if (!valid) throw new AppError('INVALID_SIGNATURE', 'the SNS signature does not verify');

  if (message.Type === 'SubscriptionConfirmation') {
    const subscribe = snsUrl(message.SubscribeURL);
    if (!subscribe) throw new AppError('INVALID_SIGNATURE', 'SubscribeURL is not an SNS address');
    await deps.fetcher.text(subscribe.toString());
    return [];
  }
  if (message.Type !== 'Notification') return [];
  const notification = parseJsonBody(message.Message);
  return notification && typeof notification === 'object' ? sesEvents(notification as Record<string, any>) : [];
}
