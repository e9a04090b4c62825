import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
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
 * The same sealing as `issue`, for a worker thread: imports seal thousands of tokens, and on a
 * second core that work overlaps the database writes. It must stay byte-compatible with
 * `encrypt` in core/crypto.ts (a test checks that the vault opens what it makes).
 */
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { randomBytes, createCipheriv, createHash } = require('node:crypto');
const key = Buffer.from(workerData.key);
parentPort.on('message', ({ id, count }) => {
  const stride = ${tokenBytes + ivBytes};
  const pool = randomBytes(stride * count);
  const tokens = new Array(count);
  for (let i = 0; i < count; i++) {
    const at = i * stride;
    const token = pool.subarray(at, at + ${tokenBytes}).toString('base64url');
    const iv = pool.subarray(at + ${tokenBytes}, at + stride);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
    const encrypted = ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
    tokens[i] = { token, hash: createHash('sha256').update(token).digest('hex'), encrypted };
  }
  parentPort.postMessage({ id, tokens });
});
`;

/**
 * Invite tokens are stored twice: a SHA-256 hash to find the invite when a link is opened, and
 * an AES-256-GCM copy so an administrator can copy the link again. Neither opens anything
 * without the instance secret.
 */
export function createTokenVault(secret: Buffer) {
  const key = deriveKey(secret, 'invite-token');
  let worker: Worker | undefined;
  let nextRequest = 0;
  const waiting = new Map<number, { resolve: (tokens: SealedToken[]) => void; reject: (error: Error) => void }>();

  function sealer(): Worker {
    if (worker) return worker;
    const started = new Worker(workerSource, { eval: true, workerData: { key: new Uint8Array(key) } });
    started.on('message', ({ id, tokens }: { id: number; tokens: SealedToken[] }) => {
      waiting.get(id)?.resolve(tokens);
      waiting.delete(id);
      if (waiting.size === 0) started.unref();
    });
    const fail = (error: Error) => {
      for (const w of waiting.values()) w.reject(error);
      waiting.clear();
      worker = undefined;
    };
    started.on('error', fail);
    started.on('exit', () => fail(new Error('token worker stopped')));
    worker = started;
    return started;
  }

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

    /** Like `issue`, on a worker thread, so bulk work can go on meanwhile. */
    issueInBackground(count: number): Promise<SealedToken[]> {
      return new Promise((resolve, reject) => {
        const id = nextRequest++;
        waiting.set(id, { resolve, reject });
        const target = sealer();
        // Keeps the process alive only while an answer is awaited.
        target.ref();
        target.postMessage({ id, count });
      });
    },

    reveal: (encrypted: string) => decrypt(key, encrypted),
    hash: (token: string) => sha256Hex(token),

    async close(): Promise<void> {
      await worker?.terminate();
      worker = undefined;
    },
  };
}

export type TokenVault = ReturnType<typeof createTokenVault>;
