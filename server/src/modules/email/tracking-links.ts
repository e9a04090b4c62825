import { createHmac } from 'node:crypto';
import { deriveKey, safeEqual } from '../../core/crypto.js';

export type LinkPurpose = 'open' | 'click' | 'unsubscribe';

/**
 * Signed links that name one message: the open pixel, the click redirect and the unsubscribe
 * page. The signature (HMAC-SHA-256, 128 bits) means nobody can unsubscribe or count opens for
 * a message whose link they were not sent.
 */
export function createTrackingLinks(deps: { secret: Buffer; publicUrl: string }) {
  const key = deriveKey(deps.secret, 'email-links');
  const sign = (purpose: LinkPurpose, messageId: string) =>
    createHmac('sha256', key).update(`${purpose}:${messageId}`).digest().subarray(0, 16).toString('base64url');
  const token = (purpose: LinkPurpose, messageId: string) => `${messageId}.${sign(purpose, messageId)}`;

  return {
    openUrl: (messageId: string) => `${deps.publicUrl}/e/open/${token('open', messageId)}.gif`,
    clickUrl: (messageId: string) => `${deps.publicUrl}/e/click/${token('click', messageId)}`,
    unsubscribeUrl: (messageId: string) => `${deps.publicUrl}/e/unsubscribe/${token('unsubscribe', messageId)}`,
    unsubscribeToken: (messageId: string) => token('unsubscribe', messageId),

    /** The message a link names, when its signature is right. */
    verify(purpose: LinkPurpose, value: string): string | undefined {
      const [messageId, signature] = value.replace(/\.gif$/, '').split('.');
      if (!messageId || !signature || !/^msg_[0-9A-Za-z]{20}$/.test(messageId)) return undefined;
      return safeEqual(signature, sign(purpose, messageId)) ? messageId : undefined;
    },
  };
}

export type TrackingLinks = ReturnType<typeof createTrackingLinks>;
