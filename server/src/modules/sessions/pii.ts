import { isIPv4, isIPv6 } from 'node:net';

// Each detector runs on the text left between earlier placeholders, most specific first:
// an email holds digits and names, an IP holds digit groups, a card or an id is a run of digits
// a phone pattern would also take, and a name part could spell "email" or "phone".
const PLACEHOLDER = /\[(?:email|phone|card|id|ip|name)\]/g;

type Replacer = (match: string) => string;

/** Applies `pattern` only outside placeholders already written, so nothing is masked twice. */
function replaceOutside(text: string, pattern: RegExp, replace: Replacer): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    out += text.slice(last, m.index).replace(pattern, replace) + m[0];
    last = m.index + m[0].length;
  }
  return out + text.slice(last).replace(pattern, replace);
}

// The lookbehind starts a match only at the start of a word run: without it a long run with no
// "@" would be rescanned from every position (quadratic).
const EMAIL = /(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/gu;

// Candidates are cheap to find and then confirmed by node:net, which knows every valid form.
const IPV6 = /(?<![\p{L}\p{N}:])[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?::\d{1,3}(?:\.\d{1,3}){3})?(?![\p{L}\p{N}]|[.:][0-9a-f])/giu;
const IPV4 = /(?<![\p{N}.])\d{1,3}(?:\.\d{1,3}){3}(?![\p{N}]|\.\d)/gu;

// 13–19 digits, optionally grouped by one kind of separator; the grouping is checked below.
const CARD = /(?<![\p{N}.,-])\d(?:[ -]?\d){12,18}(?![\p{N}]|[.,-]\d)/gu;

// US SSN (123-45-6789 or spaced), CA SIN (123-456-789), BR CPF (123.456.789-09),
// ES DNI/NIE (12345678Z, X1234567L), UK NINO (QQ 12 34 56 C).
const NATIONAL_ID = new RegExp(
  [
    String.raw`(?<![\p{L}\p{N}.-])\d{3}([- ])\d{2}\1\d{4}(?![\p{L}\p{N}]|[.-]\d)`,
    String.raw`(?<![\p{L}\p{N}.-])\d{3}-\d{3}-\d{3}(?![\p{L}\p{N}]|[.-]\d)`,
    String.raw`(?<![\p{L}\p{N}.-])\d{3}\.\d{3}\.\d{3}-\d{2}(?![\p{L}\p{N}]|[.-]\d)`,
    String.raw`(?<![\p{L}\p{N}])(?:\d{8}|[XYZ]\d{7})-?[A-Z](?![\p{L}\p{N}])`,
    String.raw`(?<![\p{L}\p{N}])[A-CEGHJ-PR-TW-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![\p{L}\p{N}])`,
  ].join('|'),
  'gu',
);

// Optional country code (+33, 0044) or area code in parentheses, then digit groups joined by one
// space, dot or dash. The count of digits and the shape are confirmed in `isPhone`.
const PHONE = new RegExp(
  String.raw`(?<![\p{L}\p{N}+])` +
    String.raw`(?:\+\d{7,15}|(?:(?:\+|00)\d{1,3}[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?\d{1,5}(?:[ .-]\d{2,8}){1,5}|(?:\+|00)\d{1,3}[ .-]?\(\d{1,5}\)[ .-]?\d{2,8}(?:[ .-]\d{2,8}){0,4})` +
    String.raw`(?![\p{L}\p{N}]|[.-]\d)`,
  'gu',
);

export interface RedactOptions {
  /** The invitee's full name; it and each part of at least 2 letters are masked. */
  names?: string[];
}

/** Masks personal data in free text with [email], [ip], [card], [id], [phone] and [name]. */
export function redactPii(text: string, options: RedactOptions = {}): string {
  let out = text.normalize('NFC');
  out = replaceOutside(out, EMAIL, () => '[email]');
  out = replaceOutside(out, IPV6, (m) => (/[0-9a-f]/i.test(m) && isIPv6(m) ? '[ip]' : m));
  out = replaceOutside(out, IPV4, (m) => (isIPv4(m) ? '[ip]' : m));
  out = replaceOutside(out, CARD, (m) => (isCard(m) ? '[card]' : m));
  out = replaceOutside(out, NATIONAL_ID, () => '[id]');
  out = replaceOutside(out, PHONE, (m) => (isPhone(m) ? '[phone]' : m));
  const names = namePattern(options.names ?? []);
  if (names) out = replaceOutside(out, names, () => '[name]');
  return out;
}

/** Luhn-valid, and either one unbroken run or the groupings printed on real cards. */
function isCard(candidate: string): boolean {
  const groups = candidate.split(/[ -]/);
  const separators = new Set(candidate.replace(/\d/g, ''));
  if (separators.size > 1) return false;
  if (groups.length > 1) {
    const shape = groups.map((g) => g.length).join('-');
    // 4-4-4-4 (and 4-4-4-1…4-4-4-4-3 for 13–19 digits), Amex 4-6-5, Diners 4-6-4.
    if (!/^4-4-4-[1-4]$|^4-4-4-4-[1-3]$|^4-6-[45]$/.test(shape)) return false;
  }
  return luhn(groups.join(''));
}

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * 7–15 digits (E.164 allows 15) with separators or a leading "+", and not one of the number
 * shapes people write in answers: dates (2024-01-15, 15.01.2024), year ranges (2019-2024),
 * thousands (1.250.000, 1 000 000).
 */
function isPhone(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, '');
  if (digits.length < 7 || digits.length > 15) return false;
  if (!/[ .()-]/.test(candidate) && !candidate.startsWith('+')) return false;
  if (/^\d{4}[-.]\d{1,2}[-.]\d{1,2}$/.test(candidate)) return false;
  if (/^\d{1,2}[-.]\d{1,2}[-.]\d{4}$/.test(candidate)) return false;
  if (/^(?:19|20)\d{2}[ -](?:19|20)\d{2}$/.test(candidate)) return false;
  if (/^\d{1,3}(?:\.\d{3})+$/.test(candidate) || /^\d{1,2}(?: \d{3})+$/.test(candidate)) return false;
  return true;
}

/**
 * One pattern for all names, longest first so "Jane Doe" becomes one [name], not two. Whole words
 * only (no letter, digit or mark on either side), case-insensitive with Unicode case folding.
 */
function namePattern(names: string[]): RegExp | null {
  const variants = new Set<string>();
  for (const raw of names) {
    if (typeof raw !== 'string') continue;
    const full = raw.normalize('NFC').trim().replace(/\s+/g, ' ');
    if (letterCount(full) >= 2) variants.add(full);
    for (const part of full.split(/[\s-]+/)) {
      const clean = part.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, ''); // "J." → "J", "(Jane)" → "Jane"
      if (letterCount(clean) >= 2) variants.add(clean);
    }
  }
  if (variants.size === 0) return null;
  const alternatives = [...variants]
    .sort((a, b) => b.length - a.length)
    .map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s+').replace(/['’]/g, "['’]"));
  return new RegExp(`(?<![\\p{L}\\p{M}\\p{N}_])(?:${alternatives.join('|')})(?![\\p{L}\\p{M}\\p{N}_])`, 'giu');
}

function letterCount(s: string): number {
  return (s.match(/\p{L}/gu) ?? []).length;
}
