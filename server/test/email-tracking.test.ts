import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, createTestApp, runJobs, testPublicUrl, type Api, type TestApp } from './app.js';
import { createCampaign } from './fixtures.js';
import { startSmtpSink, type Received } from './smtp.js';

let t: TestApp;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
beforeAll(async () => {
  smtp = await startSmtpSink();
  t = await createTestApp({ env: { SMTP_URL: smtp.url, MAIL_FROM: 'Parley Research <research@parley.test>', EMAIL_RATE_PER_SECOND: '0' } });
});
afterAll(async () => {
  await t?.close();
  await smtp?.close();
});

const browser = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15';
const barracuda = 'Mozilla/5.0 (compatible; Barracuda)';

let addressCounter = 0;
/** A fresh recipient, so that mail of one test never matches another's. */
const address = (label: string) => `${label}-${++addressCounter}-${Math.random().toString(36).slice(2, 8)}@example.com`;

async function setup(campaignOverrides: Record<string, unknown> = {}, orgName = 'Acme Research') {
  const org = await t.newOrg();
  const renamed = await org.api.patch('/v1/organization', { name: orgName });
  expect(renamed.status, renamed.raw).toBe(200);
  const campaign = await createCampaign(org.api, { name: 'Spring study', description: 'Twenty minutes about the product.', ...campaignOverrides });
  return { ...org, campaign };
}

async function invite(api: Api, campaignId: string, body: Record<string, unknown>) {
  const res = await api.post(`/v1/campaigns/${campaignId}/invites`, body);
  expect(res.status, res.raw).toBe(201);
  return res.body;
}

const mailTo = (to: string) => smtp.received.filter((r) => r.to.includes(to));

/** Invites `email` and runs the send job; answers the invite and the one email that arrived. */
async function sendInvite(api: Api, campaignId: string, body: Record<string, unknown>) {
  const inv = await invite(api, campaignId, body);
  t.clock.advance(1_000);
  await runJobs(t);
  const mails = mailTo(String(body.email));
  expect(mails).toHaveLength(1);
  return { invite: inv, mail: mails[0]! };
}

/** The header block with folded lines joined. */
const headerBlock = (mail: Received) => mail.raw.split('\r\n\r\n')[0]!.replace(/\r\n[ \t]+/g, ' ');

/** The tracking URLs of a received email, as paths to inject. */
function trackingPaths(mail: Received) {
  const html = String(mail.mail.html || '');
  const open = /https:\/\/parley\.test(\/e\/open\/msg_[0-9A-Za-z]{20}\.[\w-]+\.gif)/.exec(html)?.[1];
  const click = /https:\/\/parley\.test(\/e\/click\/msg_[0-9A-Za-z]{20}\.[\w-]+)/.exec(html)?.[1];
  const unsubscribe = /List-Unsubscribe: <https:\/\/parley\.test(\/e\/unsubscribe\/msg_[0-9A-Za-z]{20}\.[\w-]+)>/.exec(headerBlock(mail))?.[1];
  return { open, click, unsubscribe };
}

/** The same link with one character of its signature changed. */
function tamper(path: string): string {
  const match = /^(.*\/msg_[0-9A-Za-z]{20}\.)(.)(.*)$/.exec(path);
  expect(match).not.toBeNull();
  const [, head, first, rest] = match!;
  return `${head}${first === 'A' ? 'B' : 'A'}${rest}`;
}

const get = (url: string, userAgent = browser) => t.app.inject({ method: 'GET', url, headers: { 'user-agent': userAgent } });
const oneClick = (url: string) =>
  t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });

async function stats(api: Api, campaignId: string) {
  const res = await api.get(`/v1/campaigns/${campaignId}`);
  expect(res.status, res.raw).toBe(200);
  return res.body.stats;
}

async function deliveries(api: Api, inviteId: string) {
  const res = await api.get(`/v1/invites/${inviteId}/deliveries`);
  expect(res.status, res.raw).toBe(200);
  return res.body.data as Array<{ status: string; events: Array<{ type: string; source: string; detail: string | null; raw: unknown; at: string }>; [k: string]: unknown }>;
}

function expectPixel(res: Awaited<ReturnType<typeof get>>) {
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toBe('image/gif');
  expect(String(res.headers['cache-control'])).toContain('no-store');
  const gif = res.rawPayload;
  expect(gif.subarray(0, 6).toString('latin1')).toBe('GIF89a');
  expect(gif.readUInt16LE(6)).toBe(1); // width
  expect(gif.readUInt16LE(8)).toBe(1); // height
  expect(gif[gif.length - 1]).toBe(0x3b); // trailer
}

describe('open tracking', () => {
  it('answers a 1x1 GIF, records the open once and counts it in the campaign stats', async () => {
    const { api, campaign } = await setup();
    const to = address('open');
    const { invite: inv, mail } = await sendInvite(api, campaign.id, { email: to, name: 'Olive' });
    const { open } = trackingPaths(mail);
    expect(open).toBeDefined();
    expect((await api.get(`/v1/invites/${inv.id}`)).body.emailStatus).toBe('sent');
    expect((await stats(api, campaign.id)).emails).toMatchObject({ sent: 1, delivered: 0, opened: 0 });

    t.clock.advance(1_000);
    expectPixel(await get(open!));
    expect((await api.get(`/v1/invites/${inv.id}`)).body.emailStatus).toBe('opened');
    let s = await stats(api, campaign.id);
    expect(s.emails).toMatchObject({ sent: 1, delivered: 1, opened: 1, clicked: 0 });
    expect(s.engagementRate).toBe(1);
    expect(s.deliveryRate).toBe(1);

    // A second open (another device, later) is kept in the history but counted once.
    t.clock.advance(60_000);
    expectPixel(await get(open!));
    s = await stats(api, campaign.id);
    expect(s.emails).toMatchObject({ sent: 1, delivered: 1, opened: 1 });
    expect(s.engagementRate).toBe(1);
    const [delivery] = await deliveries(api, inv.id);
    expect(delivery!.events.filter((e) => e.type === 'opened')).toHaveLength(2);
    expect(delivery!.status).toBe('opened');
    expect(delivery!.openedAt).toBeTruthy();
    // The first open's time is kept.
    expect(delivery!.openedAt).toBe(delivery!.events.find((e) => e.type === 'opened')!.at);
  });

  it('ignores a mail scanner fetching the pixel within 10 s of sending, but not later', async () => {
    const { api, campaign } = await setup();
    const to = address('scanned');
    const inv = await invite(api, campaign.id, { email: to });
    await runJobs(t);
    const [mail] = mailTo(to);
    const { open } = trackingPaths(mail!);
    expect(open).toBeDefined();

    expectPixel(await get(open!, barracuda));
    expect((await api.get(`/v1/invites/${inv.id}`)).body.emailStatus).toBe('sent');
    expect((await stats(api, campaign.id)).emails.opened).toBe(0);
    expect((await deliveries(api, inv.id))[0]!.events.map((e) => e.type)).not.toContain('opened');

    t.clock.advance(11_000);
    expectPixel(await get(open!, barracuda));
    expect((await api.get(`/v1/invites/${inv.id}`)).body.emailStatus).toBe('opened');
    const s = await stats(api, campaign.id);
    expect(s.emails).toMatchObject({ delivered: 1, opened: 1 });
    const opened = (await deliveries(api, inv.id))[0]!.events.filter((e) => e.type === 'opened');
    expect(opened).toHaveLength(1);
    expect(opened[0]!.source).toBe('tracking');
    expect(opened[0]!.raw).toEqual({ userAgent: barracuda });
  });

  it('counts a person opening within 10 s of sending (the window is for scanners only)', async () => {
    const { api, campaign } = await setup();
    const to = address('quick');
    const inv = await invite(api, campaign.id, { email: to });
    await runJobs(t);
    const { open } = trackingPaths(mailTo(to)[0]!);
    expectPixel(await get(open!, browser));
    expect((await api.get(`/v1/invites/${inv.id}`)).body.emailStatus).toBe('opened');
  });

  it('still answers the GIF for a tampered or foreign signature, and records nothing', async () => {
    const { api, campaign } = await setup();
    const to = address('tampered-open');
    const { invite: inv, mail } = await sendInvite(api, campaign.id, { email: to });
    const { open, click } = trackingPaths(mail);
    t.clock.advance(11_000);
    expectPixel(await get(tamper(open!)));
    // The click signature of the same message does not open the pixel (links are signed per purpose).
    const clickSig = click!.split('/').pop()!;
    expectPixel(await get(`/e/open/${clickSig}.gif`));
    expectPixel(await get('/e/open/not-a-token.gif'));
    expect((await api.get(`/v1/invites/${inv.id}`)).body.emailStatus).toBe('sent');
    expect((await stats(api, campaign.id)).emails).toMatchObject({ delivered: 0, opened: 0 });
    expect((await deliveries(api, inv.id))[0]!.events.map((e) => e.type)).toEqual(['queued', 'sent']);
  });

  it('puts no pixel in the email when the campaign turns open tracking off', async () => {
    const { api, campaign } = await setup({ settings: { trackOpens: false } });
    const to = address('no-pixel');
    const { mail } = await sendInvite(api, campaign.id, { email: to });
    const html = String(mail.mail.html);
    expect(html).not.toContain('/e/open/');
    expect(html).not.toMatch(/<img[^>]+width="1"/);
    // Clicks are still tracked.
    expect(html).toContain(`${testPublicUrl}/e/click/msg_`);
  });
});

describe('click tracking', () => {
  it('redirects to the invite link and records the click (also as delivered and opened)', async () => {
    const { api, campaign } = await setup();
    const to = address('click');
    const { invite: inv, mail } = await sendInvite(api, campaign.id, { email: to, name: 'Cleo' });
    const { click } = trackingPaths(mail);
    expect(click).toBeDefined();
    // The text part links through the tracker too.
    expect(mail.mail.text).toContain(`${testPublicUrl}${click}`);
    const { inviteUrl } = (await api.get(`/v1/invites/${inv.id}`)).body;
    expect(inviteUrl).toMatch(/^https:\/\/parley\.test\/interview\/\S+$/);
    // The real link never appears in the email.
    expect(String(mail.mail.html)).not.toContain(inviteUrl);

    t.clock.advance(30_000);
    const res = await get(click!);
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe(inviteUrl);
    expect(String(res.headers['cache-control'])).toContain('no-store');
    expect((await api.get(`/v1/invites/${inv.id}`)).body.emailStatus).toBe('clicked');
    const s = await stats(api, campaign.id);
    expect(s.emails).toMatchObject({ sent: 1, delivered: 1, opened: 1, clicked: 1 });
    expect(s.engagementRate).toBe(1);

    // Opening the link did not start the interview.
    expect((await api.get(`/v1/invites/${inv.id}`)).body.status).toBe('pending');
  });

  it('redirects to the organization domain when it has one', async () => {
    const { api, campaign } = await setup();
    expect((await api.patch('/v1/organization', { domain: 'interviews.acme.test' })).status).toBe(200);
    const to = address('domain-click');
    const { invite: inv, mail } = await sendInvite(api, campaign.id, { email: to });
    const { inviteUrl } = (await api.get(`/v1/invites/${inv.id}`)).body;
    expect(inviteUrl).toMatch(/^https:\/\/interviews\.acme\.test\/interview\//);
    const res = await get(trackingPaths(mail).click!);
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe(inviteUrl);
  });

  it('answers 404 for a tampered click link and records nothing', async () => {
    const { api, campaign } = await setup();
    const to = address('tampered-click');
    const { invite: inv, mail } = await sendInvite(api, campaign.id, { email: to });
    const { click, open } = trackingPaths(mail);
    t.clock.advance(11_000);
    const res = await get(tamper(click!));
    expect(res.statusCode).toBe(404);
    expect(res.headers.location).toBeUndefined();
    expect(res.body).not.toContain('/interview/');
    // The open signature does not work as a click signature either.
    const openSig = open!.split('/').pop()!.replace(/\.gif$/, '');
    expect((await get(`/e/click/${openSig}`)).statusCode).toBe(404);
    expect((await api.get(`/v1/invites/${inv.id}`)).body.emailStatus).toBe('sent');
    expect((await stats(api, campaign.id)).emails).toMatchObject({ clicked: 0, opened: 0 });
  });

  it('does not count HEAD requests from link checkers as opens or clicks', async () => {
    const { api, campaign } = await setup();
    const to = address('head');
    const { invite: inv, mail } = await sendInvite(api, campaign.id, { email: to });
    const { open, click } = trackingPaths(mail);
    t.clock.advance(60_000);
    const headOpen = await t.app.inject({ method: 'HEAD', url: open!, headers: { 'user-agent': browser } });
    expect(headOpen.statusCode).toBe(200);
    expect(headOpen.headers['content-type']).toBe('image/gif');
    const headClick = await t.app.inject({ method: 'HEAD', url: click!, headers: { 'user-agent': browser } });
    expect(headClick.statusCode).toBe(302);
    expect(headClick.headers.location).toBe((await api.get(`/v1/invites/${inv.id}`)).body.inviteUrl);
    expect((await api.get(`/v1/invites/${inv.id}`)).body.emailStatus).toBe('sent');
    expect((await stats(api, campaign.id)).emails).toMatchObject({ delivered: 0, opened: 0, clicked: 0 });
    expect((await deliveries(api, inv.id))[0]!.events.map((e) => e.type)).toEqual(['queued', 'sent']);
  });

  it('links straight to the invite when the campaign turns click tracking off', async () => {
    const { api, campaign } = await setup({ settings: { trackClicks: false } });
    const to = address('no-click');
    const { invite: inv, mail } = await sendInvite(api, campaign.id, { email: to });
    const { inviteUrl } = (await api.get(`/v1/invites/${inv.id}`)).body;
    const html = String(mail.mail.html);
    expect(html).not.toContain('/e/click/');
    expect(html).toContain(`href="${inviteUrl}"`);
    expect(mail.mail.text).toContain(inviteUrl);
    expect(mail.mail.text).not.toContain('/e/click/');
    // Opens are still tracked.
    expect(html).toContain('/e/open/msg_');
  });
});

describe('unsubscribe', () => {
  it('shows a page in the campaign language, unsubscribes with one click, and stops later emails', async () => {
    const orgName = 'Acme <script>alert(1)</script>';
    const { api, campaign } = await setup({ settings: { language: 'fr' } }, orgName);
    const to = address('leaver');
    const { invite: inv, mail } = await sendInvite(api, campaign.id, { email: to });
    const { unsubscribe } = trackingPaths(mail);
    expect(unsubscribe).toBeDefined();
    // The email itself is in French, with the organization name escaped.
    expect(mail.mail.html).toContain('Se désabonner');
    expect(mail.mail.html).toContain('Acme &lt;script&gt;');
    expect(mail.mail.html).not.toContain('<script>');

    const page = await get(unsubscribe!);
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('<html lang="fr">');
    expect(page.body).toContain('Se désabonner');
    expect(page.body).toContain('Ne plus recevoir');
    expect(page.body).toContain('Acme &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page.body).not.toContain('<script>');
    // Showing the page changes nothing (mail scanners open links).
    expect((await api.get('/v1/suppressions')).body.pagination.total).toBe(0);

    const done = await oneClick(unsubscribe!);
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('Vous ne recevrez plus');
    expect(done.body).toContain('Acme &lt;script&gt;');
    expect(done.body).not.toContain('<script>');
    const list = await api.get('/v1/suppressions');
    expect(list.status).toBe(200);
    expect(list.body.pagination.total).toBe(1);
    expect(list.body.data[0]).toMatchObject({ email: to, reason: 'unsubscribe' });

    // Idempotent: a second one-click post (mail clients retry) answers 200 and adds nothing.
    const again = await oneClick(unsubscribe!);
    expect(again.statusCode).toBe(200);
    expect((await api.get('/v1/suppressions')).body.pagination.total).toBe(1);
    const [delivery] = await deliveries(api, inv.id);
    expect(delivery!.events.filter((e) => e.type === 'unsubscribed')).toHaveLength(1);

    // A new invite to the address (in another campaign) is not sent.
    const other = await createCampaign(api, { name: 'Autumn study', settings: { language: 'fr' } });
    const before = smtp.received.length;
    const blocked = await invite(api, other.id, { email: to });
    await runJobs(t);
    expect((await api.get(`/v1/invites/${blocked.id}`)).body.emailStatus).toBe('suppressed');
    expect(smtp.received.length).toBe(before);
    expect(mailTo(to)).toHaveLength(1);
  });

  it('answers 404 for a tampered unsubscribe token and suppresses nothing', async () => {
    const { api, campaign } = await setup({ settings: { language: 'de' } });
    const to = address('keep');
    const { mail } = await sendInvite(api, campaign.id, { email: to });
    const { unsubscribe } = trackingPaths(mail);
    const bad = tamper(unsubscribe!);
    const shown = await get(bad);
    expect(shown.statusCode).toBe(404);
    expect(shown.body).not.toContain('<form');
    expect((await oneClick(bad)).statusCode).toBe(404);
    expect((await oneClick('/e/unsubscribe/msg_00000000000000000000.AAAAAAAAAAAAAAAAAAAAAA')).statusCode).toBe(404);
    expect((await api.get('/v1/suppressions')).body.pagination.total).toBe(0);
    // The address still gets email.
    const second = await createCampaign(api, { name: 'Second study' });
    const again = await invite(api, second.id, { email: to });
    await runJobs(t);
    expect(mailTo(to)).toHaveLength(2);
    expect((await api.get(`/v1/invites/${again.id}`)).body.emailStatus).toBe('sent');
  });
  it('accepts the one-click POST as multipart/form-data (the RFC 8058 example)', async () => {
    const { api, campaign } = await setup();
    const to = address('multipart');
    const { mail } = await sendInvite(api, campaign.id, { email: to });
    const { unsubscribe } = trackingPaths(mail);
    const boundary = '---FormBoundaryjWmhtjORrn';
    const res = await t.app.inject({
      method: 'POST',
      url: unsubscribe!,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`,
    });
    expect(res.statusCode, res.body).toBe(200);
    const list = (await api.get('/v1/suppressions')).body;
    expect(list.data).toHaveLength(1);
    expect(list.data[0]).toMatchObject({ email: to, reason: 'unsubscribe' });
  });

  it('shows an organization name with $ patterns literally', async () => {
    const orgName = 'Smith $& Sons $` $\' co';
    const { api, campaign } = await setup({}, orgName);
    const to = address('dollar');
    const { mail } = await sendInvite(api, campaign.id, { email: to });
    const { unsubscribe } = trackingPaths(mail);
    const shown = await get(unsubscribe!);
    expect(shown.statusCode).toBe(200);
    expect(shown.body).toContain('Stop receiving interview invitations from Smith $&amp; Sons $` $&#39; co?');
    const done = await oneClick(unsubscribe!);
    expect(done.body).toContain('You will no longer receive emails from Smith $&amp; Sons $` $&#39; co through Parley.');
  });
});

describe('suppressions API', () => {
  it('adds, lists with filters and pages, and removes suppressions; a removed address is emailed again', async () => {
    const { api, campaign } = await setup();
    const blocked = address('blocked');
    const created = await api.post('/v1/suppressions', { email: blocked.toUpperCase(), detail: 'asked by phone' });
    expect(created.status, created.raw).toBe(201);
    expect(created.body).toMatchObject({ email: blocked, reason: 'manual', detail: 'asked by phone' });
    expect(Date.parse(created.body.createdAt)).not.toBeNaN();

    // Adding the same address again is harmless and keeps one row.
    expect((await api.post('/v1/suppressions', { email: blocked })).status).toBe(201);

    const invalid = await api.post('/v1/suppressions', { email: 'not an address' });
    expect(invalid.status).toBe(422);
    expect(invalid.body.error.code).toBe('VALIDATION_ERROR');

    const manual2 = address('manual');
    const manual3 = address('manual');
    for (const email of [manual2, manual3]) expect((await api.post('/v1/suppressions', { email })).status).toBe(201);
    // A hard bounce from the SMTP server suppresses the address with its own reason.
    const hard = address('hard');
    const bounced = await invite(api, campaign.id, { email: hard });
    await runJobs(t);
    expect((await api.get(`/v1/invites/${bounced.id}`)).body.emailStatus).toBe('bounced');

    const all = await api.get('/v1/suppressions');
    expect(all.body.pagination).toMatchObject({ total: 4, limit: 20, offset: 0, hasMore: false });
    expect(all.body.data.map((s: { email: string }) => s.email).sort()).toEqual([blocked, manual2, manual3, hard].sort());

    const byEmail = await api.get(`/v1/suppressions?email=${encodeURIComponent(blocked.toUpperCase())}`);
    expect(byEmail.body.data).toHaveLength(1);
    expect(byEmail.body.data[0].email).toBe(blocked);
    const byReason = await api.get('/v1/suppressions?reason=hard_bounce');
    expect(byReason.body.pagination.total).toBe(1);
    expect(byReason.body.data[0]).toMatchObject({ email: hard, reason: 'hard_bounce' });
    expect((await api.get('/v1/suppressions?reason=manual')).body.pagination.total).toBe(3);
    expect((await api.get('/v1/suppressions?reason=whatever')).status).toBe(400);

    const first = await api.get('/v1/suppressions?limit=3&offset=0');
    expect(first.body.data).toHaveLength(3);
    expect(first.body.pagination).toMatchObject({ total: 4, limit: 3, offset: 0, hasMore: true });
    const second = await api.get('/v1/suppressions?limit=3&offset=3');
    expect(second.body.data).toHaveLength(1);
    expect(second.body.pagination).toMatchObject({ total: 4, limit: 3, offset: 3, hasMore: false });
    const paged = [...first.body.data, ...second.body.data].map((s: { email: string }) => s.email);
    expect(new Set(paged).size).toBe(4);

    // Suppressed: a new invite is not sent.
    const before = smtp.received.length;
    const held = await invite(api, campaign.id, { email: blocked });
    await runJobs(t);
    expect((await api.get(`/v1/invites/${held.id}`)).body.emailStatus).toBe('suppressed');
    expect(smtp.received.length).toBe(before);

    // Removed: sending works again.
    const removed = await api.delete(`/v1/suppressions/${encodeURIComponent(blocked)}`);
    expect(removed.status).toBe(204);
    expect((await api.delete(`/v1/suppressions/${encodeURIComponent(blocked)}`)).status).toBe(404);
    expect((await api.get('/v1/suppressions')).body.pagination.total).toBe(3);
    const resent = await api.post(`/v1/invites/${held.id}/resend`, {});
    expect(resent.status, resent.raw).toBe(200);
    await runJobs(t);
    expect(mailTo(blocked)).toHaveLength(1);
    expect((await api.get(`/v1/invites/${held.id}`)).body.emailStatus).toBe('sent');
  });

  it('keeps suppressions to their organization', async () => {
    const a = await setup();
    const b = await setup();
    const shared = address('shared');
    expect((await a.api.post('/v1/suppressions', { email: shared })).status).toBe(201);

    const seen = await b.api.get('/v1/suppressions');
    expect(seen.status).toBe(200);
    expect(seen.body.data).toEqual([]);
    expect((await b.api.get(`/v1/suppressions?email=${encodeURIComponent(shared)}`)).body.data).toEqual([]);
    const deleted = await b.api.delete(`/v1/suppressions/${encodeURIComponent(shared)}`);
    expect(deleted.status).toBe(404);
    expect(deleted.body.error.code).toBe('RESOURCE_NOT_FOUND');
    expect((await a.api.get('/v1/suppressions')).body.data.map((s: { email: string }) => s.email)).toEqual([shared]);

    // The other organization still emails the address.
    const inv = await invite(b.api, b.campaign.id, { email: shared });
    await runJobs(t);
    expect((await b.api.get(`/v1/invites/${inv.id}`)).body.emailStatus).toBe('sent');
    expect(mailTo(shared)).toHaveLength(1);
  });

  it('lets an invites:read key list suppressions but not change them', async () => {
    const { api } = await setup();
    const listed = address('listed');
    expect((await api.post('/v1/suppressions', { email: listed })).status).toBe(201);
    const created = await api.post('/v1/api-keys', { name: 'read only', scopes: ['invites:read'] });
    expect(created.status, created.raw).toBe(201);
    const reader = apiClient(t.app, created.body.key);

    const list = await reader.get('/v1/suppressions');
    expect(list.status).toBe(200);
    expect(list.body.data.map((s: { email: string }) => s.email)).toEqual([listed]);
    const add = await reader.post('/v1/suppressions', { email: address('nope') });
    expect(add.status).toBe(403);
    expect(add.body.error.code).toBe('INSUFFICIENT_PERMISSIONS');
    expect((await reader.delete(`/v1/suppressions/${encodeURIComponent(listed)}`)).status).toBe(403);
    expect((await api.get('/v1/suppressions')).body.pagination.total).toBe(1);
  });
});

const goodTemplate = {
  name: 'Friendly invite',
  kind: 'invite',
  subject: 'Hi {{name}}, a word from {{organization.name}}',
  html: '<html><body><p>CUSTOM-HTML {{#name}}Dear {{name}}{{/name}}</p><p><a href="{{inviteUrl}}">Go</a></p><p><a href="{{unsubscribeUrl}}">Stop</a></p></body></html>',
  text: 'CUSTOM-TEXT {{name}}\nGo: {{inviteUrl}}\nStop: {{unsubscribeUrl}}\n',
};

describe('email templates API', () => {
  it('creates, lists, reads, updates and deletes a template', async () => {
    const { api } = await setup();
    const created = await api.post('/v1/email-templates', goodTemplate);
    expect(created.status, created.raw).toBe(201);
    expect(created.body).toMatchObject({ ...goodTemplate, id: expect.stringMatching(/^tpl_/) });
    const id = created.body.id as string;

    const list = await api.get('/v1/email-templates');
    expect(list.status).toBe(200);
    expect(list.body.pagination.total).toBe(1);
    expect(list.body.data[0].id).toBe(id);

    const got = await api.get(`/v1/email-templates/${id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(created.body);

    t.clock.advance(1_000);
    const updated = await api.patch(`/v1/email-templates/${id}`, { subject: 'New subject for {{campaign.name}}' });
    expect(updated.status, updated.raw).toBe(200);
    expect(updated.body.subject).toBe('New subject for {{campaign.name}}');
    expect(updated.body.html).toBe(goodTemplate.html);
    expect(Date.parse(updated.body.updatedAt)).toBeGreaterThan(Date.parse(created.body.updatedAt));

    // An invalid update changes nothing.
    const refused = await api.patch(`/v1/email-templates/${id}`, { text: 'no link here' });
    expect(refused.status).toBe(422);
    expect((await api.get(`/v1/email-templates/${id}`)).body.text).toBe(goodTemplate.text);

    expect((await api.delete(`/v1/email-templates/${id}`)).status).toBe(204);
    expect((await api.get(`/v1/email-templates/${id}`)).status).toBe(404);
    expect((await api.delete(`/v1/email-templates/${id}`)).status).toBe(404);
    expect((await api.get('/v1/email-templates')).body.pagination.total).toBe(0);
  });

  it('refuses templates that would render wrong, and creates nothing', async () => {
    const { api } = await setup();
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ html: goodTemplate.html.replace('CUSTOM-HTML', '{{firstName}}') }, 'html', /firstName/],
      [{ subject: 'Hello {{ nmae }}' }, 'subject', /nmae/],
      [{ text: 'Hi {{#company}}x{{/company}} {{inviteUrl}}' }, 'text', /company/],
      [{ text: 'Hi {{name}}, no link' }, 'text', /inviteUrl/],
      [{ html: '<p>{{name}} <a href="{{unsubscribeUrl}}">Stop</a></p>' }, 'html', /inviteUrl/],
      [{ html: '<p><a href="{{inviteUrl}}">Go</a></p>' }, 'html', /unsubscribeUrl/],
      [{ subject: 'Hello\nBcc: victim@example.com' }, 'subject', /one line/],
      [{ subject: 'Hello\r\nX-Injected: 1' }, 'subject', /one line/],
    ];
    for (const [patch, field, message] of cases) {
      const res = await api.post('/v1/email-templates', { ...goodTemplate, ...patch });
      expect(res.status, JSON.stringify(patch)).toBe(422);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
      expect(res.body.error.message).toMatch(message);
      expect(res.body.error.details.fields.map((f: { path: string }) => f.path)).toContain(field);
    }
    expect((await api.get('/v1/email-templates')).body.pagination.total).toBe(0);
  });

  it('accepts the variables written with spaces, as the renderer reads them', async () => {
    const { api, campaign } = await setup();
    const spaced = {
      ...goodTemplate,
      html: '<html><body><p>SPACED {{ name }}</p><a href="{{ inviteUrl }}">Go</a> <a href="{{ unsubscribeUrl }}">Stop</a></body></html>',
      text: 'SPACED {{ name }} {{ inviteUrl }}',
    };
    const created = await api.post('/v1/email-templates', spaced);
    expect(created.status, created.raw).toBe(201);
    const to = address('spaced');
    const { mail } = await sendInvite(api, campaign.id, { email: to, name: 'Sam', emailTemplate: created.body.id });
    expect(mail.mail.html).toContain('SPACED Sam');
    expect(trackingPaths(mail).click).toBeDefined();
    expect(mail.mail.text).toMatch(/SPACED Sam https:\/\/parley\.test\/e\/click\/msg_/);
  });

  it('does not send an invitation with a reminder template', async () => {
    const { api, campaign } = await setup();
    const reminder = await api.post('/v1/email-templates', { ...goodTemplate, kind: 'reminder', subject: 'REMINDER-ONLY {{name}}' });
    expect(reminder.status, reminder.raw).toBe(201);
    expect(reminder.body.kind).toBe('reminder');
    const refused = await api.post(`/v1/campaigns/${campaign.id}/invites`, { email: address('wrong-kind'), emailTemplate: reminder.body.id });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('VALIDATION_ERROR');
    expect((await api.get(`/v1/campaigns/${campaign.id}/invites`)).body.pagination.total).toBe(0);

    // Named as a campaign default, it is not used for invitations either: they get the built-in one.
    const other = await api.post('/v1/campaigns', { name: 'Defaults study', scriptId: campaign.scriptId, inviteDefaults: { emailTemplate: reminder.body.id } });
    if (other.status === 422) {
      expect(other.body.error.code).toBe('VALIDATION_ERROR');
      return;
    }
    expect(other.status, other.raw).toBe(201);
    const to = address('default-wrong-kind');
    const { mail } = await sendInvite(api, other.body.id, { email: to, name: 'Dora' });
    expect(mail.mail.subject).toBe('Acme Research invites you to an interview: Defaults study');
    expect(mail.mail.html).not.toContain('CUSTOM-HTML');
  });

  it('hides templates of other organizations', async () => {
    const a = await setup();
    const b = await setup();
    const created = await a.api.post('/v1/email-templates', goodTemplate);
    const id = created.body.id as string;
    expect((await b.api.get(`/v1/email-templates/${id}`)).status).toBe(404);
    expect((await b.api.patch(`/v1/email-templates/${id}`, { name: 'mine now' })).status).toBe(404);
    expect((await b.api.delete(`/v1/email-templates/${id}`)).status).toBe(404);
    expect((await b.api.post('/v1/email-templates/preview', { templateId: id })).status).toBe(404);
    expect((await b.api.get('/v1/email-templates')).body.data).toEqual([]);
    // Nor can another organization send with it.
    const refused = await b.api.post(`/v1/campaigns/${b.campaign.id}/invites`, { email: address('x'), emailTemplate: id });
    expect(refused.status).toBe(422);
    const still = await a.api.get(`/v1/email-templates/${id}`);
    expect(still.status).toBe(200);
    expect(still.body.name).toBe(goodTemplate.name);
  });

  it('previews the built-in template in each language with the sample data', async () => {
    const { api } = await setup();
    const expected: Record<string, { subject: RegExp; html: string[]; text: string[] }> = {
      en: { subject: /invites you to an interview/, html: ['Hello Jane Doe,', 'Start the interview', 'Unsubscribe'], text: ['Start the interview: https://'] },
      fr: { subject: /vous invite à un entretien/, html: ['Bonjour Jane Doe,', 'Commencer l’entretien', 'Se désabonner'], text: ['Commencer l’entretien: https://'] },
      de: { subject: /lädt Sie zu einem Interview ein/, html: ['Hallo Jane Doe,', 'Interview starten', 'Abmelden'], text: ['Interview starten: https://'] },
      es: { subject: /te invita a una entrevista/, html: ['Hola Jane Doe:', 'Empezar la entrevista', 'Darse de baja'], text: ['Empezar la entrevista: https://'] },
      pt: { subject: /convida-o para uma entrevista/, html: ['Olá Jane Doe,', 'Começar a entrevista', 'Cancelar subscrição'], text: ['Começar a entrevista: https://'] },
    };
    for (const [language, words] of Object.entries(expected)) {
      const res = await api.post('/v1/email-templates/preview', { language });
      expect(res.status, res.raw).toBe(200);
      expect(res.body.subject).toMatch(words.subject);
      expect(res.body.subject).toContain('Acme Research');
      for (const w of words.html) expect(res.body.html, `${language}: ${w}`).toContain(w);
      for (const w of words.text) expect(res.body.text, `${language}: ${w}`).toContain(w);
      expect(res.body.text).toContain('Jane Doe');
    }
    const reminder = await api.post('/v1/email-templates/preview', { language: 'de', kind: 'reminder', templateId: 'default' });
    expect(reminder.status).toBe(200);
    expect(reminder.body.subject).toMatch(/^Erinnerung:/);
    expect((await api.post('/v1/email-templates/preview', { language: 'it' })).status).toBe(422);
  });

  it('previews a saved template and an unsaved one, escaping sample values', async () => {
    const { api } = await setup();
    const saved = (await api.post('/v1/email-templates', goodTemplate)).body;
    const res = await api.post('/v1/email-templates/preview', { templateId: saved.id });
    expect(res.status, res.raw).toBe(200);
    expect(res.body.subject).toBe('Hi Jane Doe, a word from Acme Research');
    expect(res.body.html).toContain('CUSTOM-HTML Dear Jane Doe');
    expect(res.body.text).toContain('CUSTOM-TEXT Jane Doe');

    const unsaved = await api.post('/v1/email-templates/preview', {
      subject: 'Draft for {{name}}',
      html: '<p>DRAFT {{name}} <a href="{{inviteUrl}}">go</a> <a href="{{unsubscribeUrl}}">stop</a></p>',
      text: 'DRAFT {{name}} {{inviteUrl}}',
      sample: { name: '<b>Bold</b>' },
    });
    expect(unsaved.status, unsaved.raw).toBe(200);
    expect(unsaved.body.subject).toBe('Draft for <b>Bold</b>');
    expect(unsaved.body.html).toContain('DRAFT &lt;b&gt;Bold&lt;/b&gt;');
    expect(unsaved.body.html).not.toContain('<b>Bold</b>');
    expect(unsaved.body.text).toContain('DRAFT <b>Bold</b> https://');
    // Nothing was saved by the preview.
    expect((await api.get('/v1/email-templates')).body.pagination.total).toBe(1);

    // An unsaved template is checked like a saved one.
    const bad = await api.post('/v1/email-templates/preview', { subject: 'x', html: '<p>{{oops}}</p>', text: '{{inviteUrl}}' });
    expect(bad.status).toBe(422);
    expect(bad.body.error.message).toContain('oops');
    // Subject, html and text come together.
    expect((await api.post('/v1/email-templates/preview', { subject: 'only a subject' })).status).toBe(422);
    expect((await api.post('/v1/email-templates/preview', { templateId: 'tpl_doesnotexist' })).status).toBe(404);
  });

  it('sends an invite with the template it names, refuses an unknown one, and falls back once it is deleted', async () => {
    const { api, campaign } = await setup();
    const tpl = (await api.post('/v1/email-templates', goodTemplate)).body;
    const to = address('templated');
    const { invite: inv, mail } = await sendInvite(api, campaign.id, { email: to, name: 'Tess', emailTemplate: tpl.id });
    expect(inv.emailTemplate).toBe(tpl.id);
    expect(mail.mail.subject).toBe('Hi Tess, a word from Acme Research');
    expect(mail.mail.html).toContain('CUSTOM-HTML Dear Tess');
    expect(mail.mail.text).toContain('CUSTOM-TEXT Tess');
    // Tracking still applies to a custom template.
    const paths = trackingPaths(mail);
    expect(paths.click).toBeDefined();
    expect(paths.open).toBeDefined();
    expect(mail.mail.text).toContain(`Stop: ${testPublicUrl}${paths.unsubscribe}`);

    const unknown = await api.post(`/v1/campaigns/${campaign.id}/invites`, { email: address('unknown-tpl'), emailTemplate: 'tpl_missing' });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.code).toBe('VALIDATION_ERROR');
    expect(unknown.body.error.message).toContain('tpl_missing');
    expect((await api.get(`/v1/campaigns/${campaign.id}/invites`)).body.pagination.total).toBe(1);

    expect((await api.delete(`/v1/email-templates/${tpl.id}`)).status).toBe(204);
    const resent = await api.post(`/v1/invites/${inv.id}/resend`, {});
    expect(resent.status, resent.raw).toBe(200);
    t.clock.advance(1_000);
    await runJobs(t);
    const mails = mailTo(to);
    expect(mails).toHaveLength(2);
    expect(mails[1]!.mail.subject).toBe('Acme Research invites you to an interview: Spring study');
    expect(mails[1]!.mail.html).not.toContain('CUSTOM-HTML');
    expect(mails[1]!.mail.html).toContain('Hello Tess,');
  });
});

describe('escaping in emails', () => {
  it('escapes a participant name in the HTML part', async () => {
    const { api, campaign } = await setup();
    const to = address('xss');
    const { mail } = await sendInvite(api, campaign.id, { email: to, name: '<img src=x onerror=alert(1)>' });
    const html = String(mail.mail.html);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('<img src=x');
    expect(mail.mail.text).toContain('<img src=x onerror=alert(1)>');
  });

  it('keeps CR/LF in a name from injecting a header through the subject', async () => {
    const { api, campaign } = await setup();
    const tpl = await api.post('/v1/email-templates', { ...goodTemplate, subject: 'For {{name}} from {{organization.name}}' });
    expect(tpl.status, tpl.raw).toBe(201);
    const to = address('crlf');
    const name = 'Eve\r\nBcc: attacker@evil.test\r\nX-Injected: yes';
    const { mail } = await sendInvite(api, campaign.id, { email: to, name, emailTemplate: tpl.body.id });
    expect(mail.to).toEqual([to]);
    expect(mail.mail.subject).toBe('For Eve Bcc: attacker@evil.test X-Injected: yes from Acme Research');
    expect(mail.mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.mail.headers.has('x-injected')).toBe(false);
    expect(mail.mail.headers.has('bcc')).toBe(false);
    const head = mail.raw.split('\r\n\r\n')[0]!;
    expect(head).not.toMatch(/^(Bcc|X-Injected):/im);
    expect(smtp.received.filter((r) => r.to.includes('attacker@evil.test'))).toHaveLength(0);
  });
});

describe('delivery history', () => {
  it('lists each message with its events in order and their sources', async () => {
    const { api, campaign } = await setup();
    const to = address('history');
    const inv = await invite(api, campaign.id, { email: to });
    t.clock.advance(1_000);
    await runJobs(t);
    const [mail] = mailTo(to);
    const { open, click } = trackingPaths(mail!);
    t.clock.advance(20_000);
    expectPixel(await get(open!));
    t.clock.advance(5_000);
    expect((await get(click!)).statusCode).toBe(302);

    const data = await deliveries(api, inv.id);
    expect(data).toHaveLength(1);
    const [d] = data;
    expect(d).toMatchObject({
      kind: 'invite',
      status: 'clicked',
      to,
      messageId: mail!.mail.messageId,
      attempts: 1,
      softBounces: 0,
      lastError: null,
    });
    expect(d!.id).toBe(/msg_[0-9A-Za-z]{20}/.exec(open!)![0]);
    expect(d!.events.map((e) => [e.type, e.source])).toEqual([
      ['queued', 'parley'],
      ['sent', 'smtp'],
      ['opened', 'tracking'],
      ['clicked', 'tracking'],
    ]);
    const times = d!.events.map((e) => Date.parse(e.at));
    expect([...times].sort((x, y) => x - y)).toEqual(times);
    expect(d!.sentAt).toBe(d!.events[1]!.at);
    expect(d!.openedAt).toBe(d!.events[2]!.at);
    expect(d!.clickedAt).toBe(d!.events[3]!.at);
    expect(d!.events[1]!.detail).toMatch(/queued as/i);

    // Another organization cannot read it.
    const other = await t.newOrg();
    expect((await other.api.get(`/v1/invites/${inv.id}/deliveries`)).status).toBe(404);
  });
});
