import { createHmac } from 'node:crypto';
import { deriveKey, safeEqual } from '../../core/crypto.js';

export const sessionCookieName = 'parley_session';

/** The participant's session cookie: the session id and an HMAC of it, so it cannot be made up. */
export function createSessionCookies(secret: Buffer) {
  const key = deriveKey(secret, 'session-cookie');
  const sign = (id: string) => createHmac('sha256', key).update(id).digest().subarray(0, 18).toString('base64url');
  // Cookies already verified: a participant sends the same one with every request, and the
  // HMAC is a noticeable part of a cheap request. Only genuine cookies are kept.
  const verified = new Map<string, string>();
  const verifiedKept = 10_000;
  return {
    value: (sessionId: string) => `${sessionId}.${sign(sessionId)}`,
    read(cookieHeader: string | undefined): string | undefined {
      const raw = cookieHeader
        ?.split(';')
        .map((part) => part.trim())
        .find((part) => part.startsWith(`${sessionCookieName}=`))
        ?.slice(sessionCookieName.length + 1);
      if (!raw) return undefined;
      const known = verified.get(raw);
      if (known) return known;
      const [id, signature] = raw.split('.');
      if (!id || !signature || !/^ses_[0-9A-Za-z]{20}$/.test(id)) return undefined;
      if (!safeEqual(signature, sign(id))) return undefined;
      if (verified.size >= verifiedKept) verified.clear();
      verified.set(raw, id);
      return id;
    },
  };
}

export type SessionCookies = ReturnType<typeof createSessionCookies>;
