import { randomFillSync } from 'node:crypto';

/** In ASCII order, so that ids compare (byte by byte, as SQLite and a C collation do) in time order. */
const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** CSPRNG bytes drawn 4 KB at a time: one call per byte would cost more than the id itself. */
const pool = Buffer.alloc(4096);
let poolAt = pool.length;

function randomByte(): number {
  if (poolAt === pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  return pool[poolAt++]!;
}

/** Base62 string of `length` characters from a CSPRNG, without modulo bias. */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    const b = randomByte();
    // 248 = 62 * 4: values at or above it would favour the first characters.
    if (b < 248) out += alphabet[b % 62];
  }
  return out;
}

export type IdPrefix =
  | 'org' | 'key' | 'prj' | 'scr' | 'scv' | 'med' | 'cam' | 'inv' | 'ses' | 'job' | 'utt' | 'fil'
  | 'msg' | 'evt' | 'tpl';

/** Fixed-width base62 of a non-negative integer. */
function base62(value: number, width: number): string {
  let out = '';
  for (let v = value; out.length < width; v = Math.floor(v / 62)) out = alphabet[v % 62] + out;
  return out;
}

/** The last id's time and random part: ids made in the same millisecond count up from it. */
let lastAt = -1;
let lastRandom = '';

/** The base62 string one greater than `digits` (same width), or null when it would overflow. */
function increment(digits: string): string | null {
  const chars = digits.split('');
  for (let i = chars.length - 1; i >= 0; i--) {
    const next = alphabet.indexOf(chars[i]!) + 1;
    if (next < alphabet.length) {
      chars[i] = alphabet[next]!;
      return chars.join('');
    }
    chars[i] = alphabet[0]!;
  }
  return null;
}

/**
 * A resource id: its type prefix, 8 base62 characters of the creation time in milliseconds,
 * then 12 random ones (about 71 bits). Ids sort by creation time, so new rows land at the end of
 * their primary-key index instead of at random places in it; within one process they are
 * strictly increasing, even within one millisecond (the random part then counts up from the
 * previous id's), so "ordered by time, then id" is the order things happened in.
 */
export function newId(prefix: IdPrefix, at: number = Date.now()): string {
  if (at <= lastAt) {
    const next = increment(lastRandom);
    if (next !== null) {
      lastRandom = next;
      return `${prefix}_${base62(lastAt, 8)}${lastRandom}`;
    }
    at = lastAt + 1;
  }
  lastAt = at;
  lastRandom = randomBase62(12);
  return `${prefix}_${base62(at, 8)}${lastRandom}`;
}
