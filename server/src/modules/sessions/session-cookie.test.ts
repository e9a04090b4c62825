import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSessionCookies, sessionCookieName } from './session-cookie.js';

describe('the session cookie', () => {
  const id = 'ses_0123456789ABCDEFGHIJ';

  it('reads back the id it signed, again and again, among other cookies', () => {
    const cookies = createSessionCookies(randomBytes(32));
    const header = `theme=dark; ${sessionCookieName}=${cookies.value(id)}; lang=fr`;
    expect(cookies.read(header)).toBe(id);
    expect(cookies.read(header)).toBe(id);
  });

  it('refuses a changed signature or id, also after the genuine one was read', () => {
    const cookies = createSessionCookies(randomBytes(32));
    const genuine = cookies.value(id);
    expect(cookies.read(`${sessionCookieName}=${genuine}`)).toBe(id);
    const [, signature] = genuine.split('.');
    const flipped = signature!.slice(0, -1) + (signature!.endsWith('A') ? 'B' : 'A');
    expect(cookies.read(`${sessionCookieName}=${id}.${flipped}`)).toBeUndefined();
    expect(cookies.read(`${sessionCookieName}=ses_0123456789ABCDEFGHIK.${signature}`)).toBeUndefined();
    expect(cookies.read(`${sessionCookieName}=${id}`)).toBeUndefined();
    expect(cookies.read(undefined)).toBeUndefined();
  });

  it('refuses a cookie signed with another secret', () => {
    const ours = createSessionCookies(randomBytes(32));
    const theirs = createSessionCookies(randomBytes(32));
    expect(ours.read(`${sessionCookieName}=${theirs.value(id)}`)).toBeUndefined();
  });
});
