import { randomFillSync } from 'node:crypto';

const alphabet = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

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

/**
 * A resource id: its type prefix, 8 base62 characters of the creation time in milliseconds,
 * then 12 random ones (about 71 bits). Ids of one type sort by creation time, so new rows land
 * at the end of their primary-key index instead of at random places in it.
 */
export function newId(prefix: IdPrefix, at: number = Date.now()): string {
  return `${prefix}_${base62(at, 8)}${randomBase62(12)}`;
}
