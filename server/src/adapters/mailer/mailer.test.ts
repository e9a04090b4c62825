import { describe, expect, it } from 'vitest';
import { providerIdOf } from '../../modules/email/email-delivery.js';
import { classifyFailure } from './mailer.js';
import { smtpOptions } from './smtp-mailer.js';

describe('SMTP answers', () => {
  it('sorts failures into hard, soft, throttled and infrastructure', () => {
    expect(classifyFailure({ responseCode: 550, response: '550 5.1.1 no such user' })).toBe('hard');
    expect(classifyFailure({ responseCode: 554 })).toBe('hard');
    for (const code of [421, 450, 451, 452]) expect(classifyFailure({ responseCode: code, response: `${code} try later` })).toBe('soft');
    expect(classifyFailure({ responseCode: 454, response: '454 4.7.0 TLS not available' })).toBe('throttled');
    expect(classifyFailure({ responseCode: 421, response: '421 4.7.0 Too many connections, slow down' })).toBe('throttled');
    expect(classifyFailure({ responseCode: 451, response: '451 4.7.1 Rate limited' })).toBe('throttled');
    for (const code of ['ECONNECTION', 'ETIMEDOUT', 'EDNS', 'ETLS', 'ESOCKET']) expect(classifyFailure({ code })).toBe('infrastructure');
  });

  it("reads the server's id for the message from its final answer", () => {
    expect(providerIdOf('250 2.0.0 Ok: queued as 4F2A9C1B2')).toBe('4F2A9C1B2');
    expect(providerIdOf('250 Ok: queued as <QUEUEID@mx.example.com>')).toBe('QUEUEID@mx.example.com');
    expect(providerIdOf('250 Ok 0100018c2f5e8a6b-3d9f7a1e-5b2c-4d8e-9f01-a2b3c4d5e6f7-000000')).toBe('0100018c2f5e8a6b-3d9f7a1e-5b2c-4d8e-9f01-a2b3c4d5e6f7-000000');
    expect(providerIdOf('250 OK: message queued')).toBeUndefined();
    expect(providerIdOf('250 2.0.0 OK 1700000000 x1si123')).toBeUndefined();
  });

  it('builds connection options from SMTP_URL', () => {
    expect(smtpOptions('smtps://apikey:s%40cret@smtp.example.com:465')).toMatchObject({
      host: 'smtp.example.com',
      port: 465,
      secure: true,
      auth: { user: 'apikey', pass: 's@cret' },
      requireTLS: false,
      tls: { rejectUnauthorized: true },
    });
    const plain = smtpOptions('smtp://mail.internal?requireTLS=true&rejectUnauthorized=false');
    expect(plain).toMatchObject({ host: 'mail.internal', secure: false, requireTLS: true, tls: { rejectUnauthorized: false } });
    expect(plain).not.toHaveProperty('auth');
    expect(plain).not.toHaveProperty('port');
  });
});
