import { randomBytes } from 'node:crypto';
import { decrypt, deriveKey, encrypt, sha256Hex } from '../../core/crypto.js';

/** 32 bytes from the CSPRNG: 256 bits, 43 URL-safe characters. */
export const tokenBytes = 32;
export const tokenPattern = /^[A-Za-z0-9_-]{43}$/;
const ivBytes = 12;

export interface SealedToken {
  token: string;
  hash: string;
  encrypted: string;
}

/**
 * Invite tokens are stored twice: a SHA-256 hash to find the invite when a link is opened, and
 * an AES-256-GCM copy so an administrator can copy the link again. Neither opens anything
 * without the instance secret.
 */
export function createTokenVault(secret: Buffer) {
  const key = deriveKey(secret, 'invite-token');
  return {
    /** Makes `count` new tokens, drawing all their randomness (tokens and IVs) in one call. */
    issue(count = 1): SealedToken[] {
      const stride = tokenBytes + ivBytes;
      const pool = randomBytes(stride * count);
      const tokens: SealedToken[] = [];
      for (let i = 0; i < count; i++) {
        const at = i * stride;
        const token = pool.subarray(at, at + tokenBytes).toString('base64url');
        const iv = pool.subarray(at + tokenBytes, at + stride);
        tokens.push({ token, hash: sha256Hex(token), encrypted: encrypt(key, token, iv) });
      }
      return tokens;
    },
    reveal: (encrypted: string) => decrypt(key, encrypted),
    hash: (token: string) => sha256Hex(token),
  };
}

export type TokenVault = ReturnType<typeof createTokenVault>;
