import { randomBytes } from 'node:crypto';

const alphabet = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Base62 string of `length` characters from a CSPRNG, without modulo bias. */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    const bytes = randomBytes(length * 2);
    for (const b of bytes) {
      // 248 = 62 * 4: values at or above it would favour the first characters.
      if (b < 248) out += alphabet[b % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

export type IdPrefix =
  | 'org' | 'key' | 'prj' | 'scr' | 'scv' | 'med' | 'cam' | 'inv' | 'ses' | 'job' | 'utt' | 'fil';

/** A resource id: its type prefix and 16 random base62 characters (about 95 bits). */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBase62(16)}`;
}
