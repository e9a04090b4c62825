import { createHmac } from 'node:crypto';
import { deriveKey, safeEqual } from '../../core/crypto.js';

export const sessionCookieName = 'parley_session';

/** The participant's session cookie: the session id and an HMAC of it, so it cannot be made up. */
export function createSessionCookies(secret: Buffer) {
  const key = deriveKey(secret, 'session-cookie');
  const sign = (id: string) => createHmac('sha256', key).update(id).digest().subarray(0, 18).toString('base64url');
  return {
    value: (sessionId: string) => `${sessionId}.${sign(sessionId)}`,
    read(cookieHeader: string | undefined): string | undefined {
      const raw = cookieHeader
        ?.split(';')
        .map((part) => part.trim())
        .find((part) => part.startsWith(`${sessionCookieName}=`))
        ?.slice(sessionCookieName.length + 1);
      const [id, signature] = (raw ?? '').split('.');
      if (!id || !signature || !/^ses_[0-9A-Za-z]{20}$/.test(id)) return undefined;
      return safeEqual(signature, sign(id)) ? id : undefined;
    },
  };
}

export type SessionCookies = ReturnType<typeof createSessionCookies>;
