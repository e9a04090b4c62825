import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { createTestApp, runJobs, type TestApp } from './app.js';
import { createCampaign } from './fixtures.js';
import { startSmtpSink } from './smtp.js';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

let t: TestApp;
let port: number;
beforeAll(async () => {
  port = await freePort();
  t = await createTestApp({ env: { SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_FROM: 'Parley <research@parley.test>', EMAIL_RATE_PER_SECOND: '0' } });
});
afterAll(() => t.close());

describe('an unreachable mail server', () => {
  it('retries later without calling it a bounce, and sends once the server is back', async () => {
    const { api } = await t.newOrg();
    const campaign = await createCampaign(api);
    const inv = (await api.post(`/v1/campaigns/${campaign.id}/invites`, { email: 'patient@example.com' })).body;
    await runJobs(t);
    let [message] = (await api.get(`/v1/invites/${inv.id}/deliveries`)).body.data;
    expect(message).toMatchObject({ status: 'deferred', softBounces: 0 });
    expect(message.events.at(-1).detail).toMatch(/^transport: /);
    expect((await api.get('/v1/suppressions')).body.pagination.total).toBe(0);

    const smtp = await startSmtpSink(port);
    try {
      t.clock.advance(2 * 60_000);
      await runJobs(t);
      [message] = (await api.get(`/v1/invites/${inv.id}/deliveries`)).body.data;
      expect(message.status).toBe('sent');
      expect(smtp.received.map((r) => r.to)).toEqual([['patient@example.com']]);
    } finally {
      await smtp.close();
    }
  });
});

describe('email configuration', () => {
  it('needs MAIL_FROM with SMTP_URL, and both Postmark credentials or neither', () => {
    const base = { DATA_DIR: '/tmp', PARLEY_SECRET: 'x'.repeat(40) };
    expect(() => loadConfig({ ...base, SMTP_URL: 'smtp://mail.example.com' })).toThrowError(/MAIL_FROM/);
    expect(() => loadConfig({ ...base, SMTP_URL: 'http://mail.example.com', MAIL_FROM: 'a@b.c' })).toThrowError(/SMTP_URL/);
    expect(() => loadConfig({ ...base, POSTMARK_WEBHOOK_USERNAME: 'hooks' })).toThrow(ConfigError);
    expect(loadConfig({ ...base, SMTP_URL: 'smtps://u:p@mail.example.com:465', MAIL_FROM: 'Acme <a@acme.com>' }).config.email).toMatchObject({
      smtpUrl: 'smtps://u:p@mail.example.com:465',
      ratePerSecond: 10,
      poolSize: 5,
    });
  });
});
