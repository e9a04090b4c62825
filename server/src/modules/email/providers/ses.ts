import { createVerify } from 'node:crypto';
import type { RemoteFetcher } from '../../../adapters/http/certificates.js';
import { AppError } from '../../../core/errors.js';
import { detailOf, header, instant, parseJsonBody, record, text, type ProviderEvent, type ProviderRequest } from './provider.js';

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
  const type = text(notification.eventType) ?? text(notification.notificationType) ?? '';
  const mail = record(notification.mail);
  const headers = (Array.isArray(mail.headers) ? mail.headers : []).map(record);
  const ids = {
    parleyId: text(headers.find((h) => typeof h.name === 'string' && h.name.toLowerCase() === 'x-parley-message')?.value),
    messageIdHeader: text(record(mail.commonHeaders).messageId),
    providerId: text(mail.messageId),
  };
  // Each event type keeps its details (and its time) under its own name: delivery, bounce, …
  const details = (key: string) => record(notification[key]);
  switch (type) {
    case 'Delivery': {
      const delivery = details('delivery');
      return [{ ids, event: { type: 'delivered', detail: detailOf([delivery.smtpResponse]), raw: notification, at: instant(delivery.timestamp) } }];
    }
    case 'Bounce': {
      const bounce = details('bounce');
      const recipients: unknown[] = Array.isArray(bounce.bouncedRecipients) ? bounce.bouncedRecipients : [];
      const detail = detailOf([bounce.bounceType, bounce.bounceSubType, record(recipients[0]).diagnosticCode], ': ');
      return [{ ids, event: { type: bounce.bounceType === 'Permanent' ? 'bounced' : 'deferred', detail, raw: notification, at: instant(bounce.timestamp) } }];
    }
    case 'Complaint': {
      const complaint = details('complaint');
      return [{ ids, event: { type: 'complained', detail: detailOf([complaint.complaintFeedbackType]), raw: notification, at: instant(complaint.timestamp) } }];
    }
    case 'DeliveryDelay': {
      const delay = details('deliveryDelay');
      return [{ ids, event: { type: 'deferred', detail: detailOf([delay.delayType]), raw: notification, at: instant(delay.timestamp) } }];
    }
    case 'Open':
      return [{ ids, event: { type: 'opened', raw: notification, at: instant(details('open').timestamp) } }];
    case 'Click':
      return [{ ids, event: { type: 'clicked', raw: notification, at: instant(details('click').timestamp) } }];
    case 'Reject':
      return [{ ids, event: { type: 'failed', detail: detailOf([details('reject').reason]) ?? 'rejected', raw: notification } }];
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
  let certificate: string;
  try {
    certificate = await deps.fetcher.text(certUrl.toString());
  } catch {
    // Unreachable or refused for now: a 5xx makes SNS deliver the message again later.
    throw new AppError('SERVICE_UNAVAILABLE', 'the SNS signing certificate could not be fetched; try again later');
  }
  let valid: boolean;
  try {
    valid = createVerify(algorithm).update(stringToSign(message)).verify(certificate, message.Signature, 'base64');
  } catch {
    throw new AppError('INVALID_SIGNATURE', 'the SNS signing certificate is not one');
  }
  if (!valid) throw new AppError('INVALID_SIGNATURE', 'the SNS signature does not verify');

  if (message.Type === 'SubscriptionConfirmation') {
    const subscribe = snsUrl(message.SubscribeURL);
    if (!subscribe) throw new AppError('INVALID_SIGNATURE', 'SubscribeURL is not an SNS address');
    await deps.fetcher.text(subscribe.toString());
    return [];
  }
  if (message.Type !== 'Notification') return [];
  const notification = typeof message.Message === 'string' ? parseJsonBody(message.Message) : undefined;
  return notification && typeof notification === 'object' && !Array.isArray(notification) ? sesEvents(notification as Record<string, any>) : [];
}
