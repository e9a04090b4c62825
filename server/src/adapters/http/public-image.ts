import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

const maxBytes = 2 * 1024 * 1024;

/** Loopback, private, link-local and other addresses a customer URL must never make us reach. */
export function isPrivateAddress(address: string): boolean {
  if (isIP(address) === 6) {
    const a = address.toLowerCase();
    if (a === '::1' || a === '::' || a.startsWith('fc') || a.startsWith('fd') || a.startsWith('fe80')) return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
    return mapped ? isPrivateAddress(mapped[1]!) : false;
  }
  const [a, b] = address.split('.').map(Number) as [number, number];
  return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || a >= 224;
}

/**
 * Fetches an organization's logo for a PDF: https only, public addresses only (no reaching into
 * the server's own network), 2 MB at most, 3 s at most. Anything else gives null: the PDF is
 * made without it.
 */
export async function fetchPublicImage(url: string | null): Promise<Buffer | null> {
  try {
    if (!url) return null;
    const target = new URL(url);
    if (target.protocol !== 'https:') return null;
    const { address } = await lookup(target.hostname);
    if (isPrivateAddress(address)) return null;
    const response = await fetch(target, { signal: AbortSignal.timeout(3000), redirect: 'error' });
    if (!response.ok || !/^image\/(png|jpeg)/.test(response.headers.get('content-type') ?? '')) return null;
    const body = Buffer.from(await response.arrayBuffer());
    return body.length <= maxBytes ? body : null;
  } catch {
    return null;
  }
}
