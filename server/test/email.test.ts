import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, runJobs, testPublicUrl, type Api, type TestApp } from './app.js';
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

const work = () => runJobs(t);
const hour = 3_600_000;

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

async function deliveries(api: Api, inviteId: string) {
  const res = await api.get(`/v1/invites/${inviteId}/deliveries`);
  expect(res.status).toBe(200);
  return res.body.data as Array<{ id: string; kind: string; status: string; softBounces: number; attempts: number; events: Array<{ type: string; detail: string | null; source: string }> }>;
}

describe('bounces and retries', () => {
  it('treats a 5xx as a hard bounce: bounced, suppressed, and never written to again', async () => {
    const { api, campaign } = await setup();
    const inv = await invite(api, campaign.id, { email: 'hard1@example.com' });
    await work();
    expect(mailTo('hard1@example.com')).toHaveLength(0);
    const got = (await api.get(`/v1/invites/${inv.id}`)).body;
    expect(got.emailStatus).toBe('bounced');
    const [message] = await deliveries(api, inv.id);
    expect(message!.status).toBe('bounced');
    expect(message!.events.map((e) => e.type)).toEqual(['queued', 'bounced']);
    expect(message!.events[1]!.detail).toMatch(/hard bounce: 550/);
    const suppressions = (await api.get('/v1/suppressions')).body.data;
    expect(suppressions).toEqual([expect.objectContaining({ email: 'hard1@example.com', reason: 'hard_bounce' })]);

    // Another campaign of the organization, the same address: never sent.
    const other = await createCampaign(api);
    const again = await invite(api, other.id, { email: 'HARD1@example.com' });
    expect(again.emailStatus).toBe('suppressed');
    await work();
    expect((await deliveries(api, again.id))[0]!.status).toBe('suppressed');
    const stats = (await api.get(`/v1/campaigns/${campaign.id}`)).body.stats;
    expect(stats.emails).toMatchObject({ sent: 0, bounced: 1 });
  });

  it('retries a soft bounce up to three times over the following day, then fails', async () => {
    const { api, campaign } = await setup({ inviteDefaults: { expiresIn: '14d' } });
    const inv = await invite(api, campaign.id, { email: 'soft1@example.com' });
    await work();
    let [message] = await deliveries(api, inv.id);
    expect(message).toMatchObject({ status: 'deferred', softBounces: 1 });
    expect((await api.get(`/v1/invites/${inv.id}`)).body.emailStatus).toBe('deferred');
    // Not before its time.
    expect(await work()).toBe(0);
    for (const [advance, bounces] of [[1.3 * hour, 2], [9.7 * hour, 3]] as const) {
      t.clock.advance(advance);
      await work();
      [message] = await deliveries(api, inv.id);
      expect(message).toMatchObject({ status: 'deferred', softBounces: bounces });
    }
    t.clock.advance(29 * hour);
    await work();
    [message] = await deliveries(api, inv.id);
    expect(message).toMatchObject({ status: 'failed', softBounces: 4 });
    expect(message!.events.filter((e) => e.type === 'deferred')).toHaveLength(4);
    expect((await api.get(`/v1/invites/${inv.id}`)).body.emailStatus).toBe('failed');
  });

  it('delivers on a retry once the mailbox accepts again', async () => {
    const { api, campaign } = await setup();
    smtp.refuse.set('later@example.com', { code: 451, message: '4.3.0 try again later' });
    const inv = await invite(api, campaign.id, { email: 'later@example.com' });
    await work();
    expect((await deliveries(api, inv.id))[0]!.status).toBe('deferred');
    smtp.refuse.delete('later@example.com');
    t.clock.advance(1.3 * hour);
    await work();
    const [message] = await deliveries(api, inv.id);
    expect(message).toMatchObject({ status: 'sent', softBounces: 1, attempts: 2 });
    expect(mailTo('later@example.com')).toHaveLength(1);
  });

  it('never retries in the last 24 hours before the invite expires', async () => {
    const { api, campaign } = await setup();
    const inv = await invite(api, campaign.id, { email: 'soft2@example.com', expiresIn: '20h' });
    await work();
    const [message] = await deliveries(api, inv.id);
    expect(message!.status).toBe('failed');
    expect(message!.events.at(-1)!.detail).toMatch(/close to the invite expiry/);
  });

  it('suppresses an address after soft bounces on 3 of its last 5 messages', async () => {
    const { api, campaign } = await setup();
    const campaigns = [campaign, await createCampaign(api), await createCampaign(api)];
    for (const c of campaigns) await invite(api, c.id, { email: 'soft3@example.com', expiresIn: '20h' });
    await work();
    const list = (await api.get('/v1/suppressions?email=soft3@example.com')).body.data;
    expect(list).toEqual([expect.objectContaining({ reason: 'soft_bounces' })]);
  });

  it('slows the whole transport on a throttling answer, without counting it against the recipient', async () => {
    const { api, campaign } = await setup();
    const inv = await invite(api, campaign.id, { email: 'busy1@example.com' });
    await work();
    let [message] = await deliveries(api, inv.id);
    expect(message).toMatchObject({ status: 'queued', softBounces: 0 });
    expect(message!.events.map((e) => e.type)).toContain('throttled');
    const bucket = await t.db.kysely.selectFrom('send_buckets').selectAll().executeTakeFirstOrThrow();
    expect(Number(bucket.slow_until)).toBeGreaterThan(t.clock.now().getTime());
    // The server is fine again; the retry waits for its turn, then goes out.
    smtp.refuse.set('busy1@example.com', { code: 250, message: 'ok' });
    t.clock.advance(60_000);
    await work();
    [message] = await deliveries(api, inv.id);
    expect(message).toMatchObject({ status: 'sent', softBounces: 0, attempts: 1 });
    expect(mailTo('busy1@example.com')).toHaveLength(1);
  });
});

describe('resend', () => {
  it('sends the same link again with the personal note', async () => {
    const { api, campaign } = await setup();
    const inv = await invite(api, campaign.id, { email: 'again@example.com' });
    await work();
    const res = await api.post(`/v1/invites/${inv.id}/resend`, { message: 'Only takes ten minutes!' });
    expect(res.status).toBe(200);
    expect(res.body.emailStatus).toBe('queued');
    await work();
    expect((await api.get(`/v1/invites/${inv.id}`)).body).toMatchObject({ sendCount: 2, emailStatus: 'sent' });
    const [first, second] = mailTo('again@example.com');
    expect(second!.mail.text).toContain('Only takes ten minutes!');
    // The same invite link behind both (the click redirect names the message; the token is the same).
    const links = await Promise.all(
      [first!, second!].map(async (m) => {
        const click = /https:\/\/parley\.test(\/e\/click\/[^\s"]+)/.exec(m.mail.text ?? '')![1]!;
        return (await t.app.inject({ method: 'GET', url: click })).headers.location;
      }),
    );
    expect(links[0]).toBe(inv.inviteUrl);
    expect(links[1]).toBe(inv.inviteUrl);
    // Following the links counts as clicks, on the newest message too.
    expect((await api.get(`/v1/invites/${inv.id}`)).body.emailStatus).toBe('clicked');
    expect((await deliveries(api, inv.id)).map((d) => d.kind)).toEqual(['resend', 'invite']);
  });
});

describe('the sender and the language', () => {
  it("uses the organization's sender name and reply-to, and the campaign's language", async () => {
    const org = await t.newOrg();
    await org.api.patch('/v1/organization', {
      name: 'Beispiel GmbH',
      settings: { emailSenderName: 'Beispiel\r\nBcc: victim@example.com Research', emailReplyTo: 'team@beispiel.de' },
    });
    const campaign = await createCampaign(org.api, { name: 'Frühjahrsstudie', settings: { language: 'de' } });
    await invite(org.api, campaign.id, { email: 'kunde@example.com', name: 'Anna', expiresIn: '7d' });
    await work();
    const [mail] = mailTo('kunde@example.com');
    const m = mail!.mail;
    expect(m.from?.value[0]).toMatchObject({ address: 'research@parley.test' });
    expect(m.from?.value[0]?.name).toMatch(/^Beispiel Bcc: victim@example\.com Research$/);
    expect(m.headers.has('bcc')).toBe(false);
    expect(m.replyTo?.value[0]?.address).toBe('team@beispiel.de');
    expect(m.subject).toBe('Beispiel GmbH lädt Sie zu einem Interview ein: Frühjahrsstudie');
    expect(m.text).toContain('Hallo Anna,');
    expect(m.text).toMatch(/Dieser Link ist bis \d{1,2}\. \w+ \d{4}/);
    expect(m.text).toContain('UTC gültig');
  });
});

describe('the SMTP pool', () => {
  it('keeps to SMTP_POOL_SIZE connections and records the id the server gave each message', async () => {
    const pooled = await startSmtpSink();
    const app = await createTestApp({
      env: { SMTP_URL: pooled.url, MAIL_FROM: 'Parley <research@parley.test>', EMAIL_RATE_PER_SECOND: '0', SMTP_POOL_SIZE: '2' },
    });
    try {
      const { api } = await app.newOrg();
      const campaign = await createCampaign(api);
      const invites = Array.from({ length: 24 }, (_, i) => ({ email: `pool${i}@example.com` }));
      expect((await api.post(`/v1/campaigns/${campaign.id}/invites/bulk`, { invites })).status).toBe(201);
      await runJobs(app);
      expect(pooled.received).toHaveLength(24);
      expect(pooled.connections()).toBeLessThanOrEqual(2);
      const ids = await app.db.kysely.selectFrom('email_messages').select('provider_id').execute();
      expect(new Set(ids.map((r) => r.provider_id)).size).toBe(24);
    } finally {
      await app.close();
      await pooled.close();
    }
  });
});

describe('sending in batches', () => {
  it('gives every message of a batch its own outcome', async () => {
    const { api, campaign } = await setup();
    await api.post('/v1/suppressions', { email: 'batch-blocked@example.com' });
    const invites = ['batch-ok1', 'batch-ok2', 'hard-batch', 'soft-batch', 'batch-blocked', 'batch-cancelled', 'batch-ok3'].map((tag) => ({
      email: `${tag}@example.com`,
    }));
    const created = (await api.post(`/v1/campaigns/${campaign.id}/invites/bulk`, { invites })).body.data as Array<{ id: string; email: string }>;
    const byTag = (tag: string) => created.find((i) => i.email.startsWith(tag))!;
    await api.post(`/v1/invites/${byTag('batch-cancelled').id}/cancel`);
    expect(await work()).toBe(6); // one message per invite with an address that is not suppressed
    const status = async (tag: string) => (await api.get(`/v1/invites/${byTag(tag).id}`)).body.emailStatus;
    expect(await status('batch-ok1')).toBe('sent');
    expect(await status('batch-ok2')).toBe('sent');
    expect(await status('batch-ok3')).toBe('sent');
    expect(await status('hard-batch')).toBe('bounced');
    expect(await status('soft-batch')).toBe('deferred');
    expect(await status('batch-blocked')).toBe('suppressed');
    const [cancelled] = (await api.get(`/v1/invites/${byTag('batch-cancelled').id}/deliveries`)).body.data;
    expect(cancelled).toMatchObject({ status: 'failed', lastError: 'not sent: the invite is cancelled' });
    expect(cancelled.events.at(-1).detail).toBe('not sent: the invite is cancelled');
    expect(mailTo('batch-ok1@example.com')).toHaveLength(1);
    expect(mailTo('batch-cancelled@example.com')).toHaveLength(0);
    const stats = (await api.get(`/v1/campaigns/${campaign.id}`)).body.stats;
    expect(stats.emails).toMatchObject({ sent: 3, bounced: 1 });
    for (const tag of ['batch-ok1', 'batch-ok2', 'batch-ok3']) {
      expect((await api.get(`/v1/invites/${byTag(tag).id}`)).body.sendCount).toBe(1);
    }
  });
});
