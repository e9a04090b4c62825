import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorker } from '../src/jobs/worker.js';
import { createTestApp, testPublicUrl, type Api, type TestApp } from './app.js';
import { createCampaign } from './fixtures.js';
import { startSmtpSink } from './smtp.js';

let t: TestApp;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
beforeAll(async () => {
  smtp = await startSmtpSink();
  t = await createTestApp({ env: { SMTP_URL: smtp.url, MAIL_FROM: 'Parley Research <research@parley.test>', EMAIL_RATE_PER_SECOND: '0' } });
});
afterAll(async () => {
  await t.close();
  await smtp.close();
});

const logger = pino({ level: 'silent' });
const work = () => createWorker({ queue: t.services.queue, definitions: t.services.jobs, logger }).drain();

async function setup(campaignOverrides: Record<string, unknown> = {}) {
  const org = await t.newOrg();
  await org.api.patch('/v1/organization', { name: 'Acme Research' });
  const campaign = await createCampaign(org.api, { name: 'Spring study', description: 'Twenty minutes about the product.', ...campaignOverrides });
  return { ...org, campaign };
}

async function invite(api: Api, campaignId: string, body: Record<string, unknown>) {
  const res = await api.post(`/v1/campaigns/${campaignId}/invites`, body);
  expect(res.status, res.raw).toBe(201);
  return res.body;
}

const mailTo = (address: string) => smtp.received.filter((r) => r.to.includes(address));

describe('sending invitations', () => {
  it('delivers the invitation with the link, a stable Message-ID and unsubscribe headers', async () => {
    const { api, campaign } = await setup();
    const inv = await invite(api, campaign.id, { email: 'jane@example.com', name: 'Jane <b>Doe</b>' });
    expect(inv.emailStatus).toBe('queued');
    await work();
    const [mail] = mailTo('jane@example.com');
    expect(mail).toBeDefined();
    const m = mail!.mail;
    expect(m.subject).toBe('Acme Research invites you to an interview: Spring study');
    expect(m.messageId).toMatch(/^<msg_[0-9A-Za-z]{20}@parley\.test>$/);
    expect(m.headers.get('x-parley-invite')).toBe(inv.id);
    const unsubscribe = String(m.headers.get('list-unsubscribe') ?? (m.headers.get('list') as { unsubscribe?: unknown })?.unsubscribe);
    const head = mail!.raw.split('\r\n\r\n')[0]!.replace(/\r\n\s+/g, ' ');
    expect(head).toMatch(/List-Unsubscribe: <https:\/\/parley\.test\/e\/unsubscribe\/msg_\w+\.[\w-]+>, <mailto:research@parley\.test\?subject=unsubscribe%20msg_/);
    expect(head).toContain('X-SMTPAPI: {"unique_args":{"parley_message_id":"msg_');
    expect(head).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(unsubscribe).toBeTruthy();
    // The name is escaped in HTML, the link goes through the click tracker, the text part has it too.
    expect(m.html).toContain('Jane &lt;b&gt;Doe&lt;/b&gt;');
    expect(m.html).not.toContain('<b>Doe</b>');
    expect(m.html).toContain(`${testPublicUrl}/e/click/msg_`);
    expect(m.html).toContain(`${testPublicUrl}/e/open/msg_`);
    expect(m.text).toContain('Twenty minutes about the product.');
    const got = (await api.get(`/v1/invites/${inv.id}`)).body;
    expect(got.emailStatus).toBe('sent');
    expect(got.sendCount).toBe(1);
  });
});
