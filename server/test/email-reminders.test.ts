import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson } from '../src/db/database.js';
import { createSendBucket } from '../src/modules/email/send-bucket.js';
import { createTestApp, runJobs, type Api, type TestApp } from './app.js';
import { createCampaign } from './fixtures.js';
import { startSmtpSink } from './smtp.js';

let t: TestApp;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
beforeAll(async () => {
  smtp = await startSmtpSink();
  t = await createTestApp({ env: { SMTP_URL: smtp.url, MAIL_FROM: 'Parley <research@parley.test>', EMAIL_RATE_PER_SECOND: '0' } });
});
afterAll(async () => {
  await t.close();
  await smtp.close();
});

const day = 86_400_000;
const mailTo = (address: string) => smtp.received.filter((r) => r.to.includes(address));
const reminders = (address: string) => mailTo(address).filter((m) => /^Reminder/.test(m.mail.subject ?? ''));

async function setup(settings: Record<string, unknown>, inviteDefaults: Record<string, unknown> = { expiresIn: '7d' }) {
  const org = await t.newOrg();
  const campaign = await createCampaign(org.api, { settings, inviteDefaults });
  return { ...org, campaign };
}

async function invite(api: Api, campaignId: string, body: Record<string, unknown>) {
  const res = await api.post(`/v1/campaigns/${campaignId}/invites`, body);
  expect(res.status, res.raw).toBe(201);
  return res.body;
}

describe('reminder policy', () => {
  it('sends the first reminder after firstAfterDays and a final one before expiry, never more than max', async () => {
    const { api, campaign } = await setup({ reminders: { enabled: true, firstAfterDays: 3, finalBeforeExpiryDays: 1, max: 2 } });
    const waiting = await invite(api, campaign.id, { email: 'r-wait@example.com' });
    const begun = await invite(api, campaign.id, { email: 'r-begun@example.com' });
    const bounced = await invite(api, campaign.id, { email: 'hard-r@example.com' });
    await runJobs(t);
    await t.services.inviteLifecycle.recordStart(begun.id);
    expect((await api.get(`/v1/invites/${bounced.id}`)).body.emailStatus).toBe('bounced');

    t.clock.advance(2 * day);
    await t.services.runReminders();
    await runJobs(t);
    expect(reminders('r-wait@example.com')).toHaveLength(0);

    t.clock.advance(1 * day + 60_000);
    await t.services.runReminders();
    await runJobs(t);
    expect(reminders('r-wait@example.com')).toHaveLength(1);
    expect(reminders('r-wait@example.com')[0]!.mail.html).toContain('still waiting');
    // Running again at the same moment sends nothing more.
    await t.services.runReminders();
    await runJobs(t);
    expect(reminders('r-wait@example.com')).toHaveLength(1);

    t.clock.advance(3 * day);
    await t.services.runReminders();
    await runJobs(t);
    expect(reminders('r-wait@example.com')).toHaveLength(2);
    expect((await api.get(`/v1/invites/${waiting.id}`)).body.sendCount).toBe(3);

    t.clock.advance(0.5 * day);
    await t.services.runReminders();
    await runJobs(t);
    expect(reminders('r-wait@example.com')).toHaveLength(2);
    expect(reminders('r-begun@example.com')).toHaveLength(0);
    expect(mailTo('hard-r@example.com')).toHaveLength(0);
  });

  it("honours an invite's own reminderDaysBeforeExpiry, even without a campaign policy", async () => {
    const { api, campaign } = await setup({});
    await invite(api, campaign.id, { email: 'r-own@example.com', expiresIn: '10d', reminderDaysBeforeExpiry: 2 });
    await invite(api, campaign.id, { email: 'r-none@example.com', expiresIn: '10d' });
    await runJobs(t);
    t.clock.advance(7 * day);
    await t.services.runReminders();
    await runJobs(t);
    expect(reminders('r-own@example.com')).toHaveLength(0);
    t.clock.advance(1 * day + 60_000);
    await t.services.runReminders();
    await runJobs(t);
    expect(reminders('r-own@example.com')).toHaveLength(1);
    expect(reminders('r-none@example.com')).toHaveLength(0);
  });

  it('waits while a soft-bounce retry is pending', async () => {
    const { api, campaign } = await setup({ reminders: { enabled: true, firstAfterDays: 1, max: 2 } }, { expiresIn: '14d' });
    smtp.refuse.set('r-retry@example.com', { code: 451, message: 'greylisted' });
    const inv = await invite(api, campaign.id, { email: 'r-retry@example.com' });
    await runJobs(t); // soft bounce: a retry is scheduled, nothing was sent
    smtp.refuse.set('r-retry@example.com', { code: 250, message: 'ok' });
    // email_sent_at is unset until a send succeeds; fake an earlier successful send to make it due.
    await t.db.kysely.updateTable('invites').set({ email_sent_at: new Date(t.clock.now().getTime() - 2 * day).toISOString() }).where('id', '=', inv.id).execute();
    await t.services.runReminders();
    expect((await api.get(`/v1/invites/${inv.id}/deliveries`)).body.data.filter((d: { kind: string }) => d.kind === 'reminder')).toHaveLength(0);
  });
});

describe('send a reminder now', () => {
  it('reminds the selected pending invites with a note, and reports the others', async () => {
    const { api, campaign } = await setup({ reminders: { max: 1 } });
    const a = await invite(api, campaign.id, { email: 'now-a@example.com' });
    const b = await invite(api, campaign.id, { email: 'now-b@example.com' });
    const linkOnly = (await api.post(`/v1/campaigns/${campaign.id}/invites`, { sendEmail: false })).body;
    await runJobs(t);
    await t.services.inviteLifecycle.recordStart(b.id);
    const res = await api.post(`/v1/campaigns/${campaign.id}/invites/bulk-remind`, { all: true, message: 'Closing on Friday' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ matched: 3, changed: 1, failedCount: 2 });
    expect(res.body.failed.map((f: { id: string }) => f.id).sort()).toEqual([b.id, linkOnly.id].sort());
    await runJobs(t);
    expect(reminders('now-a@example.com')).toHaveLength(1);
    expect(reminders('now-a@example.com')[0]!.mail.text).toContain('Closing on Friday');
    const again = await api.post(`/v1/campaigns/${campaign.id}/invites/bulk-remind`, { ids: [a.id] });
    expect(again.body.failed[0]).toMatchObject({ id: a.id, code: 'RESOURCE_CONFLICT' });
    expect(reminders('now-a@example.com')).toHaveLength(1);
  });
});

describe('campaign delivery metrics', () => {
  it('reports delivery, engagement, conversion and completion rates and median times', async () => {
    const { api, campaign } = await setup({});
    const people = [];
    for (let i = 0; i < 4; i++) people.push(await invite(api, campaign.id, { email: `m${i}@example.com` }));
    const bounced = await invite(api, campaign.id, { email: 'hard-m@example.com' });
    await runJobs(t);
    const open = (id: string) => t.services.emailEvents.record(id, { type: 'opened' }, 'tracking');
    const messageOf = async (inviteId: string) => (await api.get(`/v1/invites/${inviteId}/deliveries`)).body.data[0].id as string;
    // Everyone sent was delivered (says the provider); three opened; two started, one finished.
    for (const p of people) await t.services.emailEvents.record(await messageOf(p.id), { type: 'delivered' }, 'ses');
    for (const p of people.slice(0, 3)) await open(await messageOf(p.id));
    t.clock.advance(600_000);
    await t.services.inviteLifecycle.recordStart(people[0].id);
    t.clock.advance(600_000);
    await t.services.inviteLifecycle.recordStart(people[1].id);
    t.clock.advance(900_000);
    await t.services.inviteLifecycle.recordCompletion(people[0].id);

    const stats = (await api.get(`/v1/campaigns/${campaign.id}`)).body.stats;
    expect(stats.emails).toEqual({ sent: 4, delivered: 4, opened: 3, clicked: 0, bounced: 1 });
    expect(stats.deliveryRate).toBe(1);
    expect(stats.engagementRate).toBe(0.75);
    expect(stats.conversionRate).toBe(0.5);
    expect(stats.completionRate).toBe(0.5);
    // Invite to start: 10 and 20 minutes → median 15 minutes; start to completion: 25 minutes.
    expect(stats.medianInviteToStart).toBe(900);
    expect(stats.medianStartToCompletion).toBe(1500);
    expect(stats.averageDuration).toBe(1500);
    expect((await api.get(`/v1/invites/${bounced.id}`)).body.emailStatus).toBe('bounced');

    // The list gives each campaign its own figures (they are gathered for a whole page at once).
    const quiet = await createCampaign(api, { scriptId: campaign.scriptId });
    const listed = (await api.get('/v1/campaigns?limit=100')).body.data as Array<{ id: string; stats: Record<string, unknown> }>;
    expect(listed.find((c) => c.id === campaign.id)!.stats).toMatchObject({ medianInviteToStart: 900, medianStartToCompletion: 1500, averageDuration: 1500 });
    expect(listed.find((c) => c.id === quiet.id)!.stats).toMatchObject({ medianInviteToStart: null, medianStartToCompletion: null, averageDuration: 0 });
  });
});

describe('the worker', () => {
  it('loses no message when a worker dies mid-batch, and repeats at most the one it was sending', async () => {
    const { api, campaign } = await setup({});
    const emails = Array.from({ length: 30 }, (_, i) => ({ email: `crash${i}@example.com` }));
    expect((await api.post(`/v1/campaigns/${campaign.id}/invites/bulk`, { invites: emails })).status).toBe(201);
    // A worker claims ten jobs and dies before finishing them; one was being sent as it died.
    const claimed = await t.services.queue.claim('dead-worker', 10, 60_000);
    expect(claimed).toHaveLength(10);
    const { messageId } = parseJson<{ messageId: string }>(claimed[0]!.payload);
    await t.services.emailDelivery.sendMessage(messageId); // accepted by the server…
    await t.db.kysely.updateTable('email_messages').set({ status: 'sending' }).where('id', '=', messageId).execute(); // …not recorded
    await runJobs(t); // a live worker takes what is due; the dead one's jobs are locked
    t.clock.advance(60_001);
    await runJobs(t); // its locks expire: another worker finishes them
    const delivered = emails.map((e) => mailTo(e.email).length);
    expect(delivered.every((n) => n >= 1)).toBe(true);
    expect(delivered.filter((n) => n > 1)).toHaveLength(1);
    const sent = (await api.get(`/v1/campaigns/${campaign.id}`)).body.stats.emails.sent;
    expect(sent).toBe(30);
  });

  it('keeps to the transport rate, shared through the database', async () => {
    const bucket = createSendBucket({ db: t.db, clock: t.clock, ratePerSecond: 2, name: 'test-bucket' });
    const waits = [];
    for (let i = 0; i < 4; i++) waits.push(await bucket.take());
    expect(waits.slice(0, 2)).toEqual([0, 0]);
    expect(waits[2]).toBeGreaterThan(0);
    expect(waits[2]).toBeLessThanOrEqual(500);
    t.clock.advance(1000);
    expect(await bucket.take()).toBe(0);
    // Another process's bucket of the same name is the same bucket: it is empty now too.
    const other = createSendBucket({ db: t.db, clock: t.clock, ratePerSecond: 2, name: 'test-bucket' });
    let wait = 0;
    for (let i = 0; i < 3 && wait === 0; i++) wait = await other.take();
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(500);
    // Slowed down: a quarter of the rate, so the next token is up to 2 s away instead of 0.5 s.
    await bucket.slowDown(60_000);
    expect(await bucket.take()).toBeGreaterThan(500);
  });
});
