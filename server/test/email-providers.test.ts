import { createHmac, generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RemoteFetcher } from '../src/adapters/http/certificates.js';
import { createTestApp, runJobs, type Api, type TestApp } from './app.js';
import { createCampaign } from './fixtures.js';
import { startSmtpSink } from './smtp.js';

/*
 * Delivery events from email providers: POST /v1/email-events/{ses,sendgrid,postmark,mailgun}.
 * Every payload below follows the shape each provider documents for its webhooks, with values
 * made up here; every request is signed (or authenticated) the way that provider does it, with
 * keys generated for the test.
 */

const topicArn = 'arn:aws:sns:us-east-1:123456789012:parley-events';
const certUrl = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-7b2e4f0c9a1d3e5f6a7b8c9d0e1f2a3b.pem';
const confirmPrefix = 'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription';

const snsKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const sendgridKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const otherEc = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const mailgunKey = `key-${randomBytes(16).toString('hex')}`;
const postmark = { username: 'postmark-hook', password: `pm-${randomBytes(12).toString('hex')}` };

/** An SNS address serving something that is not a certificate. */
const notACertificateUrl = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-garbage.pem';
/** Serves the SNS certificate and confirmation answers; remembers every URL asked for; refuses the rest. */
const asked: string[] = [];
const fetcher: RemoteFetcher = {
  async text(url) {
    asked.push(url);
    if (url === certUrl) return snsKeys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    if (url === notACertificateUrl) return 'this text is not a certificate';
    if (url.startsWith(confirmPrefix)) {
      return '<ConfirmSubscriptionResponse><ConfirmSubscriptionResult><SubscriptionArn>' + topicArn + ':1f0e</SubscriptionArn></ConfirmSubscriptionResult></ConfirmSubscriptionResponse>';
    }
    throw new Error(`the test fetcher refuses ${url}`);
  },
};

let t: TestApp;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
beforeAll(async () => {
  smtp = await startSmtpSink();
  t = await createTestApp({
    env: {
      SMTP_URL: smtp.url,
      MAIL_FROM: 'Parley <research@parley.test>',
      EMAIL_RATE_PER_SECOND: '0',
      SES_SNS_TOPIC_ARNS: topicArn,
      SENDGRID_WEBHOOK_PUBLIC_KEY: sendgridKeys.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
      MAILGUN_WEBHOOK_SIGNING_KEY: mailgunKey,
      POSTMARK_WEBHOOK_USERNAME: postmark.username,
      POSTMARK_WEBHOOK_PASSWORD: postmark.password,
    },
    fetcher,
  });
});
afterAll(async () => {
  await t?.close();
  await smtp?.close();
});

// ---------------------------------------------------------------------------------------------
// Parley side: an organization, a campaign, invites whose emails went out through the sink.

interface Sent {
  inviteId: string;
  /** Our id for the message (msg_…), carried in X-Parley-Message and provider metadata. */
  id: string;
  /** The Message-ID header, with its angle brackets. */
  header: string;
  to: string;
}

interface Delivery {
  id: string;
  status: string;
  messageId: string;
  lastError: string | null;
  deliveredAt: string | null;
  openedAt: string | null;
  clickedAt: string | null;
  bouncedAt: string | null;
  events: Array<{ type: string; source: string; detail: string | null; raw: any; at: string }>;
}

let addressCounter = 0;
const address = (tag: string) => `${tag}-${++addressCounter}-${randomBytes(3).toString('hex')}@example.com`;

async function setup() {
  const org = await t.newOrg();
  const campaign = await createCampaign(org.api, { name: 'Provider events study' });
  return { ...org, campaign, send: (tag: string) => sendInvite(org.api, campaign.id, address(tag)) };
}

async function sendInvite(api: Api, campaignId: string, to: string): Promise<Sent> {
  const res = await api.post(`/v1/campaigns/${campaignId}/invites`, { email: to, name: 'Sam Example' });
  expect(res.status, res.raw).toBe(201);
  await runJobs(t);
  expect((await api.get(`/v1/invites/${res.body.id}`)).body.emailStatus).toBe('sent');
  expect(smtp.received.some((r) => r.to.includes(to))).toBe(true);
  const [message] = await deliveries(api, res.body.id);
  expect(message!.messageId).toMatch(/^<msg_[0-9A-Za-z]{20}@parley\.test>$/);
  return { inviteId: res.body.id, id: message!.id, header: message!.messageId, to };
}

async function deliveries(api: Api, inviteId: string): Promise<Delivery[]> {
  const res = await api.get(`/v1/invites/${inviteId}/deliveries`);
  expect(res.status, res.raw).toBe(200);
  return res.body.data;
}

async function latest(api: Api, inviteId: string): Promise<Delivery> {
  return (await deliveries(api, inviteId))[0]!;
}

const emailStatus = async (api: Api, inviteId: string): Promise<string> => (await api.get(`/v1/invites/${inviteId}`)).body.emailStatus;
const emailStats = async (api: Api, campaignId: string) => (await api.get(`/v1/campaigns/${campaignId}`)).body.stats.emails;
const suppressions = async (api: Api) => (await api.get('/v1/suppressions')).body.data as Array<{ email: string; reason: string; detail: string | null }>;

/** The events providers added (everything but Parley's own queued/sent). */
const providerEvents = (d: Delivery) => d.events.filter((e) => e.source !== 'smtp' && e.source !== 'parley');

/** Everything the test can see change: the message, the invite, the stats, the suppressions. */
async function snapshot(api: Api, campaignId: string, sent: Sent) {
  return {
    delivery: await latest(api, sent.inviteId),
    status: await emailStatus(api, sent.inviteId),
    stats: await emailStats(api, campaignId),
    suppressions: await suppressions(api),
  };
}

async function post(provider: string, payload: string, headers: Record<string, string>) {
  const res = await t.app.inject({ method: 'POST', url: `/v1/email-events/${provider}`, payload, headers });
  return { status: res.statusCode, body: res.json() as any, raw: res.body };
}

function expectOk(res: { status: number; body: any; raw: string }, received: number, matched = received) {
  expect(res.status, res.raw).toBe(200);
  expect(res.body).toEqual({ received, matched });
}

function expectRefused(res: { status: number; body: any; raw: string }, status: number, code: string) {
  expect(res.status, res.raw).toBe(status);
  expect(res.body.error.code).toBe(code);
}

const isoNow = (offsetMs = 0) => new Date(t.clock.now().getTime() + offsetMs).toISOString();
const epochNow = (offsetMs = 0) => Math.floor((t.clock.now().getTime() + offsetMs) / 1000);

// ---------------------------------------------------------------------------------------------
// Amazon SES through SNS.

/** The text SNS signs, per the SNS documentation: named fields in order, each "Name\nvalue\n". */
function snsStringToSign(m: Record<string, string | undefined>): string {
  const fields = m.Type === 'Notification'
    ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
    : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  return fields.filter((f) => m[f] !== undefined).map((f) => `${f}\n${m[f]}\n`).join('');
}

interface SnsOptions {
  version?: '1' | '2';
  key?: typeof snsKeys.privateKey;
  /** Fields set before signing. */
  fields?: Record<string, string | undefined>;
  /** Fields changed after signing. */
  tamper?: Record<string, string>;
}

function snsEnvelope(base: Record<string, string | undefined>, options: SnsOptions = {}): Record<string, string> {
  const version = options.version ?? '2';
  const m: Record<string, string | undefined> = {
    ...base,
    SignatureVersion: version,
    SigningCertURL: certUrl,
    ...options.fields,
  };
  m.Signature = sign(version === '2' ? 'sha256' : 'sha1', Buffer.from(snsStringToSign(m)), options.key ?? snsKeys.privateKey).toString('base64');
  const out = Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined)) as Record<string, string>;
  return { ...out, ...options.tamper };
}

function snsNotification(message: unknown, options: SnsOptions = {}): Record<string, string> {
  return snsEnvelope(
    {
      Type: 'Notification',
      MessageId: randomUUID(),
      TopicArn: topicArn,
      Message: JSON.stringify(message),
      Timestamp: isoNow(),
      UnsubscribeURL: `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${topicArn}:1f0e`,
    },
    options,
  );
}

function snsConfirmation(options: SnsOptions = {}): Record<string, string> {
  const token = randomBytes(48).toString('hex');
  return snsEnvelope(
    {
      Type: 'SubscriptionConfirmation',
      MessageId: randomUUID(),
      Token: token,
      TopicArn: topicArn,
      Message: `You have chosen to subscribe to the topic ${topicArn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`,
      SubscribeURL: `${confirmPrefix}&TopicArn=${encodeURIComponent(topicArn)}&Token=${token}`,
      Timestamp: isoNow(),
    },
    options,
  );
}

function postSes(envelope: Record<string, string>, headers: Record<string, string> = {}) {
  return post('ses', JSON.stringify(envelope), {
    'content-type': 'text/plain; charset=UTF-8',
    'x-amz-sns-message-type': envelope.Type ?? 'Notification',
    'x-amz-sns-message-id': envelope.MessageId ?? '',
    'x-amz-sns-topic-arn': envelope.TopicArn ?? '',
    'user-agent': 'Amazon Simple Notification Service Agent',
    ...headers,
  });
}

/**
 * An SES event (event publishing format). `via` says how it names our message: by the
 * Message-ID in commonHeaders (SES keeps the one we set), or only by our X-Parley-Message header.
 */
function sesEvent<T extends Record<string, unknown>>(sent: Sent, eventType: string, detail: T, via: 'message-id' | 'x-parley-message' = 'message-id') {
  const sesMessageId = `0100018f${randomBytes(12).toString('hex')}-${randomUUID()}-000000`;
  const headers = [
    { name: 'From', value: 'Parley <research@parley.test>' },
    { name: 'To', value: sent.to },
    { name: 'Subject', value: 'You are invited to an interview' },
    { name: 'MIME-Version', value: '1.0' },
    { name: 'Message-ID', value: via === 'message-id' ? sent.header : `<${sesMessageId}@email.amazonses.com>` },
    ...(via === 'x-parley-message' ? [{ name: 'X-Parley-Message', value: sent.id }] : []),
  ];
  return {
    eventType,
    mail: {
      timestamp: isoNow(-60_000),
      source: 'research@parley.test',
      sourceArn: 'arn:aws:ses:us-east-1:123456789012:identity/parley.test',
      sendingAccountId: '123456789012',
      messageId: sesMessageId,
      destination: [sent.to],
      headersTruncated: false,
      headers,
      commonHeaders: {
        from: ['Parley <research@parley.test>'],
        to: [sent.to],
        messageId: via === 'message-id' ? sent.header : `<${sesMessageId}@email.amazonses.com>`,
        subject: 'You are invited to an interview',
      },
      tags: { 'ses:configuration-set': ['parley'], 'ses:from-domain': ['parley.test'] },
    },
    ...detail,
  };
}

const sesDelivery = (sent: Sent, via?: 'message-id' | 'x-parley-message') =>
  sesEvent(sent, 'Delivery', {
    delivery: {
      timestamp: isoNow(),
      processingTimeMillis: 812,
      recipients: [sent.to],
      smtpResponse: '250 2.0.0 OK 1715000000 a1b2c3 - gsmtp',
      reportingMTA: 'b224-13.smtp-out.amazonses.com',
    },
  }, via);

const sesBounce = (sent: Sent, bounceType: 'Permanent' | 'Transient', via?: 'message-id' | 'x-parley-message') =>
  sesEvent(sent, 'Bounce', {
    bounce: {
      bounceType,
      bounceSubType: bounceType === 'Permanent' ? 'General' : 'MailboxFull',
      bouncedRecipients: [
        {
          emailAddress: sent.to,
          action: 'failed',
          status: bounceType === 'Permanent' ? '5.1.1' : '4.2.2',
          diagnosticCode: bounceType === 'Permanent' ? 'smtp; 550 5.1.1 no such user here' : 'smtp; 452 4.2.2 mailbox over quota',
        },
      ],
      timestamp: isoNow(),
      feedbackId: `0100018f-${randomUUID()}-000000`,
      reportingMTA: 'dns; b224-13.smtp-out.amazonses.com',
    },
  }, via);

describe('Amazon SES via SNS', () => {
  it('applies a signed Delivery notification, sent as text/plain, matched by Message-ID', async () => {
    const { api, campaign, send } = await setup();
    const sent = await send('ses-delivery');
    const event = sesDelivery(sent);
    const envelope = snsNotification(event);
    const res = await postSes(envelope);
    expectOk(res, 1);
    expect(await emailStatus(api, sent.inviteId)).toBe('delivered');
    expect((await emailStats(api, campaign.id)).delivered).toBe(1);
    const d = await latest(api, sent.inviteId);
    expect(d.status).toBe('delivered');
    expect(d.deliveredAt).toBe(event.delivery.timestamp);
    expect(providerEvents(d)).toEqual([
      { type: 'delivered', source: 'ses', detail: '250 2.0.0 OK 1715000000 a1b2c3 - gsmtp', raw: event, at: event.delivery.timestamp },
    ]);
    // The certificate came from the URL the message named.
    expect(asked).toContain(certUrl);
  });

  it('also accepts the notification with an application/json content type', async () => {
    const { api, send } = await setup();
    const sent = await send('ses-json');
    const res = await postSes(snsNotification(sesDelivery(sent)), { 'content-type': 'application/json' });
    expectOk(res, 1);
    expect(await emailStatus(api, sent.inviteId)).toBe('delivered');
  });

  it('matches by the X-Parley-Message header when the Message-ID is not ours', async () => {
    const { api, send } = await setup();
    const sent = await send('ses-header');
    const event = sesDelivery(sent, 'x-parley-message');
    expect(event.mail.commonHeaders.messageId).not.toBe(sent.header);
    expectOk(await postSes(snsNotification(event)), 1);
    expect(await emailStatus(api, sent.inviteId)).toBe('delivered');
    expect(providerEvents(await latest(api, sent.inviteId))).toEqual([expect.objectContaining({ type: 'delivered', source: 'ses', raw: event })]);
  });

  it('counts but does not match an event about a message it does not know', async () => {
    const { api, send } = await setup();
    const sent = await send('ses-unknown');
    const stranger: Sent = { inviteId: 'inv_x', id: 'msg_00000000000000000000', header: '<msg_00000000000000000000@parley.test>', to: 'nobody@example.com' };
    expectOk(await postSes(snsNotification(sesDelivery(stranger))), 1, 0);
    expect(await emailStatus(api, sent.inviteId)).toBe('sent');
  });

  it('marks a Permanent bounce bounced and suppresses the address as a hard bounce', async () => {
    const { api, campaign, send } = await setup();
    const delivered = await send('ses-ok');
    const bounced = await send('ses-permanent');
    expectOk(await postSes(snsNotification(sesDelivery(delivered))), 1);
    const event = sesBounce(bounced, 'Permanent');
    expectOk(await postSes(snsNotification(event)), 1);

    expect(await emailStatus(api, bounced.inviteId)).toBe('bounced');
    expect(await emailStatus(api, delivered.inviteId)).toBe('delivered');
    const d = await latest(api, bounced.inviteId);
    expect(d.status).toBe('bounced');
    expect(d.bouncedAt).toBe(event.bounce.timestamp);
    expect(d.lastError).toContain('Permanent');
    expect(providerEvents(d)).toEqual([expect.objectContaining({ type: 'bounced', source: 'ses', raw: event })]);
    expect(providerEvents(d)[0]!.detail).toContain('550 5.1.1');
    const list = await suppressions(api);
    expect(list).toEqual([expect.objectContaining({ email: bounced.to, reason: 'hard_bounce' })]);
    expect((await api.get(`/v1/suppressions?email=${encodeURIComponent(bounced.to)}`)).body.data).toHaveLength(1);
    expect(await emailStats(api, campaign.id)).toMatchObject({ sent: 2, delivered: 1, bounced: 1 });
  });

  it('records a Transient bounce as a deferral without changing the status or suppressing', async () => {
    const { api, send } = await setup();
    const sent = await send('ses-transient');
    const event = sesBounce(sent, 'Transient', 'x-parley-message');
    expectOk(await postSes(snsNotification(event)), 1);
    const d = await latest(api, sent.inviteId);
    expect(d.status).toBe('sent');
    expect(await emailStatus(api, sent.inviteId)).toBe('sent');
    expect(providerEvents(d)).toEqual([expect.objectContaining({ type: 'deferred', source: 'ses', raw: event })]);
    expect(await suppressions(api)).toEqual([]);
  });

  it('suppresses a complaint, and applies Open and Click events', async () => {
    const { api, campaign, send } = await setup();
    const sent = await send('ses-engaged');
    const open = sesEvent(sent, 'Open', { open: { ipAddress: '198.51.100.7', timestamp: isoNow(1000), userAgent: 'Mozilla/5.0 (Macintosh)' } });
    expectOk(await postSes(snsNotification(open)), 1);
    expect(await emailStatus(api, sent.inviteId)).toBe('opened');
    const click = sesEvent(sent, 'Click', {
      click: { ipAddress: '198.51.100.7', timestamp: isoNow(2000), userAgent: 'Mozilla/5.0 (Macintosh)', link: 'https://parley.test/i/abc', linkTags: {} },
    });
    expectOk(await postSes(snsNotification(click)), 1);
    expect(await emailStatus(api, sent.inviteId)).toBe('clicked');
    expect(await emailStats(api, campaign.id)).toMatchObject({ sent: 1, delivered: 1, opened: 1, clicked: 1 });

    const complaint = sesEvent(sent, 'Complaint', {
      complaint: {
        complainedRecipients: [{ emailAddress: sent.to }],
        timestamp: isoNow(3000),
        feedbackId: `0100018f-${randomUUID()}-000000`,
        userAgent: 'ExampleISP Feedback Loop (V0.01)',
        complaintFeedbackType: 'abuse',
        arrivalDate: isoNow(2500),
      },
    });
    expectOk(await postSes(snsNotification(complaint)), 1);
    expect(await suppressions(api)).toEqual([expect.objectContaining({ email: sent.to, reason: 'complaint', detail: 'abuse' })]);
    const d = await latest(api, sent.inviteId);
    expect(d.status).toBe('clicked');
    expect(providerEvents(d).map((e) => [e.type, e.source])).toEqual([['opened', 'ses'], ['clicked', 'ses'], ['complained', 'ses']]);
    expect(providerEvents(d).map((e) => e.raw)).toEqual([open, click, complaint]);
  });

  it('accepts a valid SignatureVersion 1 (RSA-SHA1) signature', async () => {
    const { api, send } = await setup();
    const sent = await send('ses-v1');
    expectOk(await postSes(snsNotification(sesDelivery(sent), { version: '1' })), 1);
    expect(await emailStatus(api, sent.inviteId)).toBe('delivered');
  });

  it('verifies a notification that carries a Subject', async () => {
    const { api, send } = await setup();
    const sent = await send('ses-subject');
    expectOk(await postSes(snsNotification(sesDelivery(sent), { fields: { Subject: 'Amazon SES Email Event Notification' } })), 1);
    expect(await emailStatus(api, sent.inviteId)).toBe('delivered');
  });

  describe('refuses forged messages and changes nothing', () => {
    async function expectUnchanged(mk: (sent: Sent) => Record<string, string>, headers: Record<string, string> = {}) {
      const { api, campaign, send } = await setup();
      const sent = await send('ses-forged');
      const before = await snapshot(api, campaign.id, sent);
      const res = await postSes(mk(sent), headers);
      expectRefused(res, 401, 'INVALID_SIGNATURE');
      expect(await snapshot(api, campaign.id, sent)).toEqual(before);
      return res;
    }

    it('a signature by another key', async () => {
      await expectUnchanged((sent) => snsNotification(sesBounce(sent, 'Permanent'), { key: otherRsa.privateKey }));
    });

    it('a message changed after signing', async () => {
      await expectUnchanged((sent) => {
        const genuine = snsNotification(sesDelivery(sent));
        return { ...genuine, Message: JSON.stringify(sesBounce(sent, 'Permanent')) };
      });
    });

    it('a SignatureVersion 2 message whose signature was made with SHA-1', async () => {
      await expectUnchanged((sent) => ({ ...snsNotification(sesBounce(sent, 'Permanent'), { version: '1' }), SignatureVersion: '2' }));
    });

    it('an unknown SignatureVersion', async () => {
      await expectUnchanged((sent) => snsNotification(sesBounce(sent, 'Permanent'), { fields: { SignatureVersion: '3' } }));
    });

    it('a certificate on another host, which is never fetched', async () => {
      const evil = 'https://evil.example.com/cert.pem';
      await expectUnchanged((sent) => snsNotification(sesBounce(sent, 'Permanent'), { fields: { SigningCertURL: evil } }));
      // Look-alike hosts and plain HTTP are refused the same way.
      const lookalikes = [
        'https://sns.us-east-1.amazonaws.com.evil.example.com/cert.pem',
        'https://evil.example.com/sns.us-east-1.amazonaws.com/cert.pem',
        'http://sns.us-east-1.amazonaws.com/SimpleNotificationService-1.pem',
        'https://sns.us-east-1.amazonaws.com/not-a-certificate.txt',
      ];
      for (const url of lookalikes) await expectUnchanged((sent) => snsNotification(sesBounce(sent, 'Permanent'), { fields: { SigningCertURL: url } }));
      for (const url of [evil, ...lookalikes]) expect(asked).not.toContain(url);
    });

    it('a certificate address on SNS that serves something else', async () => {
      await expectUnchanged((sent) => snsNotification(sesBounce(sent, 'Permanent'), { fields: { SigningCertURL: notACertificateUrl } }));
      expect(asked).toContain(notACertificateUrl);
    });

    it('a certificate that cannot be fetched: 503, so that SNS delivers it again later', async () => {
      const { api, campaign, send } = await setup();
      const sent = await send('ses-unreachable');
      const before = await snapshot(api, campaign.id, sent);
      const missing = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-missing.pem';
      const res = await postSes(snsNotification(sesBounce(sent, 'Permanent'), { fields: { SigningCertURL: missing } }));
      expectRefused(res, 503, 'SERVICE_UNAVAILABLE');
      expect(asked).toContain(missing);
      expect(await snapshot(api, campaign.id, sent)).toEqual(before);
    });

    it('a topic outside the allowlist, even when correctly signed', async () => {
      await expectUnchanged((sent) => snsNotification(sesBounce(sent, 'Permanent'), { fields: { TopicArn: 'arn:aws:sns:us-east-1:999999999999:someone-else' } }));
    });

    it('a message type that disagrees with the x-amz-sns-message-type header', async () => {
      await expectUnchanged((sent) => snsNotification(sesBounce(sent, 'Permanent')), { 'x-amz-sns-message-type': 'SubscriptionConfirmation' });
    });
  });

  it('confirms a signed SubscriptionConfirmation by visiting its SubscribeURL', async () => {
    const confirmation = snsConfirmation();
    const res = await postSes(confirmation);
    expectOk(res, 0);
    expect(asked).toContain(confirmation.SubscribeURL);
  });

  it('does not visit the SubscribeURL of an unsigned or foreign-topic confirmation', async () => {
    const forged = snsConfirmation({ key: otherRsa.privateKey });
    expectRefused(await postSes(forged), 401, 'INVALID_SIGNATURE');
    const foreign = snsConfirmation({ fields: { TopicArn: 'arn:aws:sns:us-east-1:999999999999:someone-else' } });
    expectRefused(await postSes(foreign), 401, 'INVALID_SIGNATURE');
    expect(asked).not.toContain(forged.SubscribeURL);
    expect(asked).not.toContain(foreign.SubscribeURL);
  });

  it('refuses a signed SubscriptionConfirmation whose SubscribeURL is not an SNS address', async () => {
    const evil = 'https://evil.example.com/?Action=ConfirmSubscription&Token=abc';
    const res = await postSes(snsConfirmation({ fields: { SubscribeURL: evil } }));
    expectRefused(res, 401, 'INVALID_SIGNATURE');
    expect(asked).not.toContain(evil);
  });

  it('copes with odd shapes inside a signed SES event', async () => {
    const { api, send } = await setup();
    const sent = await send('ses-odd');
    const event = sesDelivery(sent, 'x-parley-message');
    const odd = { ...event, mail: { ...event.mail, headers: [null, { name: 7, value: 'x' }, ...event.mail.headers], commonHeaders: { messageId: 99 } } };
    expectOk(await postSes(snsNotification(odd)), 1);
    expect(await emailStatus(api, sent.inviteId)).toBe('delivered');
    expectOk(await postSes(snsNotification({ eventType: 12, mail: {} })), 0);
    expectOk(await postSes(snsNotification('not an object')), 0);
  });

  it('answers 400 to a body that is not an SNS message', async () => {
    expectRefused(await post('ses', 'this is not json', { 'content-type': 'text/plain' }), 400, 'INVALID_REQUEST');
    expectRefused(await post('ses', JSON.stringify({ hello: 'world' }), { 'content-type': 'application/json' }), 400, 'INVALID_REQUEST');
  });
});

// ---------------------------------------------------------------------------------------------
// Twilio SendGrid signed Event Webhook.

function signSendgrid(body: string, timestamp: string, key = sendgridKeys.privateKey): string {
  return sign('sha256', Buffer.from(timestamp + body), key).toString('base64');
}

function postSendgrid(events: unknown, options: { key?: typeof sendgridKeys.privateKey; alter?: (body: string) => string; headers?: Record<string, string | undefined> } = {}) {
  const body = JSON.stringify(events);
  const timestamp = String(epochNow());
  const headers: Record<string, string | undefined> = {
    'content-type': 'application/json',
    'user-agent': 'SendGrid Event API',
    'x-twilio-email-event-webhook-signature': signSendgrid(body, timestamp, options.key),
    'x-twilio-email-event-webhook-timestamp': timestamp,
    ...options.headers,
  };
  const sent = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)) as Record<string, string>;
  return post('sendgrid', options.alter ? options.alter(body) : body, sent);
}

let sgCounter = 0;
/** A SendGrid event; `via` names our message by the smtp-id (our Message-ID) or by our custom argument. */
function sgEvent(sent: Sent, event: string, extra: Record<string, unknown> = {}, via: 'smtp-id' | 'parley_message_id' = 'smtp-id') {
  sgCounter++;
  return {
    email: sent.to,
    timestamp: epochNow(sgCounter * 1000),
    event,
    category: ['invitations'],
    sg_event_id: randomBytes(16).toString('base64url'),
    sg_message_id: `${randomBytes(11).toString('base64url')}.recvd-5c7d8f9b6-abcde-1-6650A1B2-3.0`,
    ...(via === 'smtp-id' ? { 'smtp-id': sent.header } : { parley_message_id: sent.id }),
    ...extra,
  };
}

describe('SendGrid', () => {
  it('applies a signed batch: processed, delivered, open and click', async () => {
    const { api, campaign, send } = await setup();
    const a = await send('sg-a');
    const b = await send('sg-b');
    const batch = [
      sgEvent(a, 'processed', { send_at: 0 }),
      sgEvent(a, 'delivered', { response: '250 2.0.0 OK accepted', ip: '203.0.113.25', tls: 1, cert_err: 0 }),
      sgEvent(b, 'delivered', { response: '250 ok' }, 'parley_message_id'),
      sgEvent(a, 'open', { useragent: 'Mozilla/5.0 (Windows NT 10.0)', ip: '192.0.2.44', sg_machine_open: false }),
      sgEvent(b, 'open', { useragent: 'Mozilla/5.0 (iPhone)', ip: '192.0.2.45' }, 'parley_message_id'),
      sgEvent(a, 'click', { useragent: 'Mozilla/5.0 (Windows NT 10.0)', ip: '192.0.2.44', url: 'https://parley.test/i/abc', url_offset: { index: 0, type: 'html' } }),
    ];
    const res = await postSendgrid(batch);
    // "processed" says nothing Parley does not already know.
    expectOk(res, 5);
    expect(await emailStatus(api, a.inviteId)).toBe('clicked');
    expect(await emailStatus(api, b.inviteId)).toBe('opened');
    expect(await emailStats(api, campaign.id)).toMatchObject({ sent: 2, delivered: 2, opened: 2, clicked: 1 });
    const da = await latest(api, a.inviteId);
    expect(providerEvents(da)).toEqual([
      expect.objectContaining({ type: 'delivered', source: 'sendgrid', detail: '250 2.0.0 OK accepted', raw: batch[1] }),
      expect.objectContaining({ type: 'opened', source: 'sendgrid', raw: batch[3] }),
      expect.objectContaining({ type: 'clicked', source: 'sendgrid', raw: batch[5] }),
    ]);
    expect(da.deliveredAt).toBe(new Date(batch[1]!.timestamp * 1000).toISOString());
    expect(providerEvents(await latest(api, b.inviteId))).toEqual([
      expect.objectContaining({ type: 'delivered', source: 'sendgrid', raw: batch[2] }),
      expect.objectContaining({ type: 'opened', source: 'sendgrid', raw: batch[4] }),
    ]);
  });

  it('maps bounce, blocked, dropped and spamreport', async () => {
    const { api, campaign, send } = await setup();
    const bounced = await send('sg-bounce');
    const blocked = await send('sg-blocked');
    const dropped = await send('sg-dropped');
    const spam = await send('sg-spam');
    const batch = [
      sgEvent(bounced, 'bounce', { type: 'bounce', status: '5.1.1', reason: '550 5.1.1 The email account does not exist', bounce_classification: 'Invalid Address' }),
      sgEvent(blocked, 'bounce', { type: 'blocked', status: '4.7.1', reason: '421 4.7.1 Try again later', bounce_classification: 'Reputation' }, 'parley_message_id'),
      sgEvent(dropped, 'dropped', { reason: 'Bounced Address', status: '5.0.0' }),
      sgEvent(spam, 'delivered', { response: '250 ok' }),
      sgEvent(spam, 'spamreport', {}, 'parley_message_id'),
    ];
    expectOk(await postSendgrid(batch), 5);

    expect(await emailStatus(api, bounced.inviteId)).toBe('bounced');
    expect(await emailStatus(api, blocked.inviteId)).toBe('sent');
    expect(await emailStatus(api, dropped.inviteId)).toBe('failed');
    expect(await emailStatus(api, spam.inviteId)).toBe('delivered');
    expect(providerEvents(await latest(api, blocked.inviteId))).toEqual([expect.objectContaining({ type: 'deferred', source: 'sendgrid', detail: '421 4.7.1 Try again later', raw: batch[1] })]);
    expect(providerEvents(await latest(api, dropped.inviteId))).toEqual([expect.objectContaining({ type: 'failed', source: 'sendgrid', detail: 'Bounced Address', raw: batch[2] })]);
    expect(providerEvents(await latest(api, spam.inviteId)).map((e) => e.type)).toEqual(['delivered', 'complained']);
    const reasons = Object.fromEntries((await suppressions(api)).map((s) => [s.email, s.reason]));
    expect(reasons).toEqual({ [bounced.to]: 'hard_bounce', [spam.to]: 'complaint' });
    expect(await emailStats(api, campaign.id)).toMatchObject({ sent: 4, delivered: 1, bounced: 1 });
  });

  describe('refuses unsigned or forged batches and changes nothing', () => {
    async function expectUnchanged(options: Parameters<typeof postSendgrid>[1]) {
      const { api, campaign, send } = await setup();
      const sent = await send('sg-forged');
      const before = await snapshot(api, campaign.id, sent);
      const res = await postSendgrid([sgEvent(sent, 'bounce', { type: 'bounce', reason: '550 no such user' })], options);
      expectRefused(res, 401, 'INVALID_SIGNATURE');
      expect(await snapshot(api, campaign.id, sent)).toEqual(before);
    }

    it('a body changed after signing', async () => {
      await expectUnchanged({ alter: (body) => body.replace('"bounce"', '"spamreport"') });
    });

    it('a timestamp changed after signing', async () => {
      await expectUnchanged({ headers: { 'x-twilio-email-event-webhook-timestamp': String(epochNow(5000)) } });
    });

    it('a signature by another key', async () => {
      await expectUnchanged({ key: otherEc.privateKey });
    });

    it('no signature header', async () => {
      await expectUnchanged({ headers: { 'x-twilio-email-event-webhook-signature': undefined } });
    });

    it('no timestamp header', async () => {
      await expectUnchanged({ headers: { 'x-twilio-email-event-webhook-timestamp': undefined } });
    });

    it('a signature that is not one', async () => {
      await expectUnchanged({ headers: { 'x-twilio-email-event-webhook-signature': 'bm90IGEgc2lnbmF0dXJl' } });
    });
  });

  it('answers 400 to a signed body that is not an array of events', async () => {
    expectRefused(await postSendgrid({ event: 'delivered' }), 400, 'INVALID_REQUEST');
  });

  it('skips entries of a signed batch that are not events', async () => {
    const { api, send } = await setup();
    const sent = await send('sg-holes');
    expectOk(await postSendgrid([null, 7, 'delivered', [], sgEvent(sent, 'delivered', {}, 'parley_message_id')]), 1);
    expect(await emailStatus(api, sent.inviteId)).toBe('delivered');
  });

  it('ignores signed events of types it does not know, including names of object properties', async () => {
    const { api, send } = await setup();
    const sent = await send('sg-odd');
    const batch = ['group_resubscribe', 'deferred_later', 'constructor', 'toString', '__proto__', 'hasOwnProperty'].map((event) =>
      sgEvent(sent, event, {}, 'parley_message_id'),
    );
    expectOk(await postSendgrid(batch), 0);
    const d = await latest(api, sent.inviteId);
    expect(providerEvents(d)).toEqual([]);
    expect(d.status).toBe('sent');
  });
});

// ---------------------------------------------------------------------------------------------
// Postmark webhooks (HTTP Basic credentials).

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** `authorization: null` sends no credentials at all. */
function postPostmark(payload: unknown, authorization: string | null = basic(postmark.username, postmark.password)) {
  return post('postmark', JSON.stringify(payload), {
    'content-type': 'application/json',
    ...(authorization !== null ? { authorization } : {}),
  });
}

function pmBase(sent: Sent, recordType: string) {
  return {
    RecordType: recordType,
    MessageStream: 'outbound',
    ServerID: 23456,
    MessageID: randomUUID(),
    Tag: 'invitation',
    Metadata: { parley_message_id: sent.id, campaign: 'spring' },
  };
}

const pmDelivery = (sent: Sent) => ({ ...pmBase(sent, 'Delivery'), Recipient: sent.to, DeliveredAt: isoNow(), Details: 'smtp;250 2.0.0 Ok: queued as 4QXa' });

const pmBounce = (sent: Sent, type: 'HardBounce' | 'SoftBounce') => ({
  ...pmBase(sent, 'Bounce'),
  ID: 912345678,
  Type: type,
  TypeCode: type === 'HardBounce' ? 1 : 4096,
  Name: type === 'HardBounce' ? 'Hard bounce' : 'Soft bounce',
  Description: type === 'HardBounce' ? 'The receiving server says this address does not exist.' : 'The mailbox is temporarily unavailable.',
  Details: type === 'HardBounce' ? 'smtp;550 5.1.1 unknown recipient' : 'smtp;452 4.2.2 over quota',
  Email: sent.to,
  From: 'research@parley.test',
  BouncedAt: isoNow(),
  DumpAvailable: false,
  Inactive: type === 'HardBounce',
  CanActivate: true,
  Subject: 'You are invited to an interview',
  Content: '',
});

const pmClient = { Name: 'Firefox 125.0', Company: 'Mozilla', Family: 'Firefox' };
const pmOs = { Name: 'Linux', Company: 'Linux Foundation', Family: 'Linux' };
const pmGeo = { CountryISOCode: 'NL', Country: 'Netherlands', City: 'Utrecht', IP: '192.0.2.80' };

describe('Postmark', () => {
  it('applies Delivery, Open and Click, matched by Metadata.parley_message_id', async () => {
    const { api, campaign, send } = await setup();
    const sent = await send('pm-engaged');
    const delivery = pmDelivery(sent);
    expectOk(await postPostmark(delivery), 1);
    expect(await emailStatus(api, sent.inviteId)).toBe('delivered');
    const open = {
      ...pmBase(sent, 'Open'),
      FirstOpen: true,
      Client: pmClient,
      OS: pmOs,
      Platform: 'Desktop',
      UserAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
      ReadSeconds: 7,
      Geo: pmGeo,
      Recipient: sent.to,
      ReceivedAt: isoNow(1000),
    };
    expectOk(await postPostmark(open), 1);
    expect(await emailStatus(api, sent.inviteId)).toBe('opened');
    const click = {
      ...pmBase(sent, 'Click'),
      ClickLocation: 'HTML',
      Client: pmClient,
      OS: pmOs,
      Platform: 'Desktop',
      UserAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
      OriginalLink: 'https://parley.test/i/abc',
      Geo: pmGeo,
      Recipient: sent.to,
      ReceivedAt: isoNow(2000),
    };
    expectOk(await postPostmark(click), 1);
    expect(await emailStatus(api, sent.inviteId)).toBe('clicked');
    const d = await latest(api, sent.inviteId);
    expect(d).toMatchObject({ deliveredAt: delivery.DeliveredAt, openedAt: open.ReceivedAt, clickedAt: click.ReceivedAt });
    expect(providerEvents(d)).toEqual([
      { type: 'delivered', source: 'postmark', detail: delivery.Details, raw: delivery, at: delivery.DeliveredAt },
      { type: 'opened', source: 'postmark', detail: null, raw: open, at: open.ReceivedAt },
      { type: 'clicked', source: 'postmark', detail: null, raw: click, at: click.ReceivedAt },
    ]);
    expect(await emailStats(api, campaign.id)).toMatchObject({ delivered: 1, opened: 1, clicked: 1 });
  });

  it('bounces a HardBounce (suppressed) and defers a SoftBounce', async () => {
    const { api, send } = await setup();
    const hard = await send('pm-hard');
    const soft = await send('pm-soft');
    const hardEvent = pmBounce(hard, 'HardBounce');
    const softEvent = pmBounce(soft, 'SoftBounce');
    expectOk(await postPostmark(hardEvent), 1);
    expectOk(await postPostmark(softEvent), 1);
    expect(await emailStatus(api, hard.inviteId)).toBe('bounced');
    expect(await emailStatus(api, soft.inviteId)).toBe('sent');
    const dh = await latest(api, hard.inviteId);
    expect(providerEvents(dh)).toEqual([expect.objectContaining({ type: 'bounced', source: 'postmark', raw: hardEvent, at: hardEvent.BouncedAt })]);
    expect(dh.lastError).toContain('HardBounce');
    expect(providerEvents(await latest(api, soft.inviteId))).toEqual([expect.objectContaining({ type: 'deferred', source: 'postmark', raw: softEvent })]);
    expect(await suppressions(api)).toEqual([expect.objectContaining({ email: hard.to, reason: 'hard_bounce' })]);
  });

  it('suppresses the address on a SpamComplaint', async () => {
    const { api, send } = await setup();
    const sent = await send('pm-spam');
    const complaint = {
      ...pmBase(sent, 'SpamComplaint'),
      ID: 912345679,
      Type: 'SpamComplaint',
      TypeCode: 512,
      Name: 'Spam complaint',
      Description: 'The subscriber explicitly marked this message as spam.',
      Details: 'Test spam complaint details',
      Email: sent.to,
      From: 'research@parley.test',
      BouncedAt: isoNow(),
      DumpAvailable: false,
      Inactive: true,
      CanActivate: false,
      Subject: 'You are invited to an interview',
    };
    expectOk(await postPostmark(complaint), 1);
    expect(await suppressions(api)).toEqual([expect.objectContaining({ email: sent.to, reason: 'complaint' })]);
    expect(providerEvents(await latest(api, sent.inviteId))).toEqual([expect.objectContaining({ type: 'complained', source: 'postmark', raw: complaint })]);
  });

  it('refuses wrong or missing credentials and changes nothing', async () => {
    const { api, campaign, send } = await setup();
    const sent = await send('pm-forged');
    const before = await snapshot(api, campaign.id, sent);
    for (const authorization of [
      null,
      '',
      basic(postmark.username, 'wrong-password'),
      basic('someone', postmark.password),
      `Bearer ${postmark.password}`,
      basic(postmark.username, `${postmark.password}x`),
    ]) {
      expectRefused(await postPostmark(pmBounce(sent, 'HardBounce'), authorization), 401, 'INVALID_SIGNATURE');
    }
    expect(await snapshot(api, campaign.id, sent)).toEqual(before);
  });

  it('copes with odd field types in an authenticated payload: the event is kept with sane values', async () => {
    const { api, send } = await setup();
    const sent = await send('pm-odd');
    // Postmark payloads are only as trustworthy as the credentials: their times and details are checked.
    const delivery = { ...pmDelivery(sent), DeliveredAt: 'around noon', Details: { code: 250 } };
    const before = t.clock.now().getTime();
    expectOk(await postPostmark(delivery), 1);
    const d = await latest(api, sent.inviteId);
    expect(d.status).toBe('delivered');
    const [event] = providerEvents(d);
    expect(event).toMatchObject({ type: 'delivered', source: 'postmark', detail: null, raw: delivery });
    expect(new Date(event!.at).getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(new Date(d.deliveredAt!).toISOString()).toBe(event!.at);
    // A time with an offset is stored as the same instant in UTC.
    const open = { ...pmBase(sent, 'Open'), Recipient: sent.to, ReceivedAt: '2030-01-02T03:04:05.678+02:00' };
    expectOk(await postPostmark(open), 1);
    expect((await latest(api, sent.inviteId)).openedAt).toBe('2030-01-02T01:04:05.678Z');
    // Ids of the wrong type match nothing rather than failing.
    expectOk(await postPostmark({ ...pmDelivery(sent), Metadata: { parley_message_id: 12345 }, MessageID: { id: 1 } }), 1, 0);
    expectOk(await postPostmark({ ...pmDelivery(sent), Metadata: 'none' }), 1, 0);
  });

  it('answers 400 to an authenticated body that is not a JSON object', async () => {
    const auth = { authorization: basic(postmark.username, postmark.password) };
    expectRefused(await post('postmark', 'RecordType=Delivery', { 'content-type': 'text/plain', ...auth }), 400, 'INVALID_REQUEST');
    expectRefused(await post('postmark', '[{"RecordType":"Delivery"}]', { 'content-type': 'application/json', ...auth }), 400, 'INVALID_REQUEST');
    expectRefused(await post('postmark', 'null', { 'content-type': 'application/json', ...auth }), 400, 'INVALID_REQUEST');
  });
});

// ---------------------------------------------------------------------------------------------
// Mailgun webhooks (HMAC-SHA-256 of timestamp + token).

function mailgunSignature(options: { timestamp?: string; token?: string; key?: string } = {}) {
  const timestamp = options.timestamp ?? String(epochNow());
  const token = options.token ?? randomBytes(25).toString('hex');
  return { timestamp, token, signature: createHmac('sha256', options.key ?? mailgunKey).update(timestamp + token).digest('hex') };
}

function postMailgun(eventData: unknown, signature = mailgunSignature()) {
  return post('mailgun', JSON.stringify({ signature, 'event-data': eventData }), { 'content-type': 'application/json' });
}

/** Mailgun event data; `via` names our message by its variables or by its Message-ID header (no brackets). */
function mgEvent(sent: Sent, event: string, extra: Record<string, unknown> = {}, via: 'user-variables' | 'message-id' = 'user-variables') {
  return {
    id: randomBytes(16).toString('base64url'),
    timestamp: (t.clock.now().getTime() + 500) / 1000,
    'log-level': event === 'failed' ? 'error' : 'info',
    event,
    recipient: sent.to,
    'recipient-domain': 'example.com',
    tags: ['invitation'],
    campaigns: [],
    envelope: { transport: 'smtp', sender: 'research@parley.test', 'sending-ip': '198.51.100.20', targets: sent.to },
    flags: { 'is-routed': false, 'is-authenticated': true, 'is-system-test': false, 'is-test-mode': false },
    message: {
      headers: {
        to: sent.to,
        'message-id': via === 'message-id' ? sent.header.slice(1, -1) : `20240501101010.${randomBytes(8).toString('hex')}@mg.parley.test`,
        from: 'Parley <research@parley.test>',
        subject: 'You are invited to an interview',
      },
      attachments: [],
      size: 4821,
    },
    'user-variables': via === 'user-variables' ? { parley_message_id: sent.id } : {},
    ...extra,
  };
}

describe('Mailgun', () => {
  it('applies delivered, opened and clicked, matched by user variables or the Message-ID header', async () => {
    const { api, campaign, send } = await setup();
    const a = await send('mg-a');
    const b = await send('mg-b');
    const delivered = mgEvent(a, 'delivered', { 'delivery-status': { 'tls': true, 'mx-host': 'mx.example.com', code: 250, description: '', message: 'OK', 'attempt-no': 1, 'session-seconds': 0.41 } });
    expectOk(await postMailgun(delivered), 1);
    expect(await emailStatus(api, a.inviteId)).toBe('delivered');
    const deliveredB = mgEvent(b, 'delivered', { 'delivery-status': { code: 250, message: 'OK', 'attempt-no': 1 } }, 'message-id');
    expect(deliveredB.message.headers['message-id']).not.toContain('<');
    expectOk(await postMailgun(deliveredB), 1);
    expect(await emailStatus(api, b.inviteId)).toBe('delivered');

    const opened = mgEvent(a, 'opened', { ip: '192.0.2.90', geolocation: { country: 'US', region: 'CA', city: 'San Francisco' }, 'client-info': { 'client-type': 'browser', 'client-os': 'macOS', 'device-type': 'desktop', 'client-name': 'Safari', 'user-agent': 'Mozilla/5.0 (Macintosh)' } });
    expectOk(await postMailgun(opened), 1);
    const clicked = mgEvent(a, 'clicked', { ip: '192.0.2.90', url: 'https://parley.test/i/abc', 'client-info': { 'client-type': 'browser' } }, 'message-id');
    expectOk(await postMailgun(clicked), 1);
    expect(await emailStatus(api, a.inviteId)).toBe('clicked');
    expect(await emailStats(api, campaign.id)).toMatchObject({ sent: 2, delivered: 2, opened: 1, clicked: 1 });
    const d = await latest(api, a.inviteId);
    expect(providerEvents(d)).toEqual([
      expect.objectContaining({ type: 'delivered', source: 'mailgun', detail: '250 OK', raw: delivered }),
      expect.objectContaining({ type: 'opened', source: 'mailgun', raw: opened }),
      expect.objectContaining({ type: 'clicked', source: 'mailgun', raw: clicked }),
    ]);
    expect(d.deliveredAt).toBe(new Date(delivered.timestamp * 1000).toISOString());
    expect(providerEvents(await latest(api, b.inviteId))).toEqual([expect.objectContaining({ type: 'delivered', source: 'mailgun', raw: deliveredB })]);
  });

  it('bounces a permanent failure, defers a temporary one, suppresses a complaint', async () => {
    const { api, send } = await setup();
    const permanent = await send('mg-permanent');
    const temporary = await send('mg-temporary');
    const complained = await send('mg-complained');
    const failedHard = mgEvent(permanent, 'failed', { severity: 'permanent', reason: 'bounce', 'delivery-status': { code: 550, message: '5.1.1 The email account that you tried to reach does not exist', 'attempt-no': 1 } });
    const failedSoft = mgEvent(temporary, 'failed', { severity: 'temporary', reason: 'generic', 'delivery-status': { code: 452, message: '4.2.2 Mailbox full', 'attempt-no': 1, 'retry-seconds': 600 } }, 'message-id');
    const complaint = mgEvent(complained, 'complained');
    expectOk(await postMailgun(failedHard), 1);
    expectOk(await postMailgun(failedSoft), 1);
    expectOk(await postMailgun(complaint), 1);

    expect(await emailStatus(api, permanent.inviteId)).toBe('bounced');
    expect(await emailStatus(api, temporary.inviteId)).toBe('sent');
    expect(providerEvents(await latest(api, permanent.inviteId))).toEqual([
      expect.objectContaining({ type: 'bounced', source: 'mailgun', detail: '550 5.1.1 The email account that you tried to reach does not exist', raw: failedHard }),
    ]);
    expect(providerEvents(await latest(api, temporary.inviteId))).toEqual([expect.objectContaining({ type: 'deferred', source: 'mailgun', raw: failedSoft })]);
    expect(providerEvents(await latest(api, complained.inviteId))).toEqual([expect.objectContaining({ type: 'complained', source: 'mailgun', raw: complaint })]);
    const reasons = Object.fromEntries((await suppressions(api)).map((s) => [s.email, s.reason]));
    expect(reasons).toEqual({ [permanent.to]: 'hard_bounce', [complained.to]: 'complaint' });
  });

  describe('refuses forged, stale and replayed webhooks and changes nothing', () => {
    async function expectUnchanged(signature: ReturnType<typeof mailgunSignature>) {
      const { api, campaign, send } = await setup();
      const sent = await send('mg-forged');
      const before = await snapshot(api, campaign.id, sent);
      const res = await postMailgun(mgEvent(sent, 'failed', { severity: 'permanent', 'delivery-status': { code: 550 } }), signature);
      expectRefused(res, 401, 'INVALID_SIGNATURE');
      expect(await snapshot(api, campaign.id, sent)).toEqual(before);
    }

    it('a signature made with another key', async () => {
      await expectUnchanged(mailgunSignature({ key: 'key-not-the-right-one' }));
    });

    it('a signature over another token', async () => {
      const genuine = mailgunSignature();
      await expectUnchanged({ ...genuine, token: randomBytes(25).toString('hex') });
    });

    it('a timestamp changed after signing', async () => {
      const genuine = mailgunSignature();
      await expectUnchanged({ ...genuine, timestamp: String(Number(genuine.timestamp) + 60) });
    });

    it('a correctly signed timestamp older than 15 minutes', async () => {
      await expectUnchanged(mailgunSignature({ timestamp: String(epochNow(-16 * 60_000)) }));
    });

    it('a correctly signed timestamp that is not a number', async () => {
      await expectUnchanged(mailgunSignature({ timestamp: 'yesterday' }));
    });

    it('no signature at all', async () => {
      const { api, campaign, send } = await setup();
      const sent = await send('mg-unsigned');
      const before = await snapshot(api, campaign.id, sent);
      const res = await post('mailgun', JSON.stringify({ 'event-data': mgEvent(sent, 'complained') }), { 'content-type': 'application/json' });
      expectRefused(res, 401, 'INVALID_SIGNATURE');
      expect(await snapshot(api, campaign.id, sent)).toEqual(before);
    });
  });

  it('accepts a timestamp 14 minutes old', async () => {
    const { api, send } = await setup();
    const sent = await send('mg-recent');
    expectOk(await postMailgun(mgEvent(sent, 'delivered'), mailgunSignature({ timestamp: String(epochNow(-14 * 60_000)) })), 1);
    expect(await emailStatus(api, sent.inviteId)).toBe('delivered');
  });

  it('refuses the same token a second time (replay)', async () => {
    const { api, send } = await setup();
    const sent = await send('mg-replay');
    const signature = mailgunSignature();
    const complaint = mgEvent(sent, 'complained');
    expectOk(await postMailgun(mgEvent(sent, 'delivered'), signature), 1);
    expectRefused(await postMailgun(complaint, signature), 401, 'INVALID_SIGNATURE');
    expectRefused(await postMailgun(mgEvent(sent, 'delivered'), signature), 401, 'INVALID_SIGNATURE');
    expect(await suppressions(api)).toEqual([]);
    expect(providerEvents(await latest(api, sent.inviteId)).map((e) => e.type)).toEqual(['delivered']);
  });

  it('still refuses a replay of a future-dated token after the replay window has moved on', async () => {
    const { api, send } = await setup();
    const sent = await send('mg-future');
    // Signed ten minutes ahead (a sender whose clock runs fast): inside the window.
    const signature = mailgunSignature({ timestamp: String(epochNow(10 * 60_000)) });
    expectOk(await postMailgun(mgEvent(sent, 'delivered'), signature), 1);
    // Sixteen minutes later the timestamp is still inside the window, so the token must still be remembered.
    t.clock.advance(16 * 60_000);
    expectOk(await postMailgun(mgEvent(sent, 'opened')), 1);
    expectRefused(await postMailgun(mgEvent(sent, 'complained'), signature), 401, 'INVALID_SIGNATURE');
    expect(await suppressions(api)).toEqual([]);
  });

  it('matches nothing, without failing, when the Message-ID header is not a string', async () => {
    const { api, send } = await setup();
    const sent = await send('mg-odd');
    const odd = mgEvent(sent, 'delivered', {}, 'message-id');
    expectOk(await postMailgun({ ...odd, message: { headers: { 'message-id': 42 } } }), 1, 0);
    expectOk(await postMailgun({ ...odd, 'user-variables': { parley_message_id: ['x'] }, message: { headers: { 'message-id': sent.header.slice(1, -1) } } }), 1, 1);
    expect(await emailStatus(api, sent.inviteId)).toBe('delivered');
  });

  it('answers 200 with nothing received for event kinds it does not act on', async () => {
    const { api, send } = await setup();
    const sent = await send('mg-accepted');
    expectOk(await postMailgun(mgEvent(sent, 'accepted', { method: 'smtp' })), 0);
    expect(providerEvents(await latest(api, sent.inviteId))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Ordering and counting across events.

describe('ordering and counting', () => {
  it('keeps "opened" when a late "delivered" arrives, and keeps the late event in the history', async () => {
    const { api, campaign, send } = await setup();
    const sent = await send('late');
    const open = pmBase(sent, 'Open');
    expectOk(await postPostmark({ ...open, FirstOpen: true, Recipient: sent.to, ReceivedAt: isoNow(1000) }), 1);
    expect(await emailStatus(api, sent.inviteId)).toBe('opened');
    expectOk(await postSes(snsNotification(sesDelivery(sent))), 1);
    expect(await emailStatus(api, sent.inviteId)).toBe('opened');
    const d = await latest(api, sent.inviteId);
    expect(d.status).toBe('opened');
    expect(providerEvents(d).map((e) => [e.type, e.source]).sort()).toEqual([['delivered', 'ses'], ['opened', 'postmark']]);
    // The open already proved delivery; the late delivery is not counted again.
    expect(await emailStats(api, campaign.id)).toMatchObject({ sent: 1, delivered: 1, opened: 1, clicked: 0 });
  });

  it('counts each invite once in the stats, however many opens arrive', async () => {
    const { api, campaign, send } = await setup();
    const a = await send('opens-a');
    const b = await send('opens-b');
    expectOk(await postSendgrid([sgEvent(a, 'open'), sgEvent(a, 'open'), sgEvent(b, 'delivered')]), 3);
    expectOk(await postMailgun(mgEvent(a, 'opened')), 1);
    expect(await emailStats(api, campaign.id)).toMatchObject({ sent: 2, delivered: 2, opened: 1 });
    expect(providerEvents(await latest(api, a.inviteId)).filter((e) => e.type === 'opened')).toHaveLength(3);
  });

  it('does not let a deferral after delivery move the status back', async () => {
    const { api, send } = await setup();
    const sent = await send('deferral-late');
    expectOk(await postSes(snsNotification(sesDelivery(sent))), 1);
    expectOk(await postPostmark(pmBounce(sent, 'SoftBounce')), 1);
    expect(await emailStatus(api, sent.inviteId)).toBe('delivered');
  });
});

// ---------------------------------------------------------------------------------------------
// Unconfigured or unknown providers.

describe('providers that are not configured', () => {
  it('answers 404 for each provider on an instance without their settings, and for unknown names', async () => {
    const bare = await createTestApp({ fetcher });
    try {
      const sent: Sent = { inviteId: 'inv_x', id: 'msg_00000000000000000000', header: '<msg_00000000000000000000@parley.test>', to: 'x@example.com' };
      const bodies: Record<string, { payload: string; headers: Record<string, string> }> = {
        ses: { payload: JSON.stringify(snsNotification(sesDelivery(sent))), headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification' } },
        sendgrid: (() => {
          const payload = JSON.stringify([sgEvent(sent, 'delivered')]);
          const ts = String(epochNow());
          return { payload, headers: { 'content-type': 'application/json', 'x-twilio-email-event-webhook-signature': signSendgrid(payload, ts), 'x-twilio-email-event-webhook-timestamp': ts } };
        })(),
        postmark: { payload: JSON.stringify(pmDelivery(sent)), headers: { 'content-type': 'application/json', authorization: basic(postmark.username, postmark.password) } },
        mailgun: { payload: JSON.stringify({ signature: mailgunSignature(), 'event-data': mgEvent(sent, 'delivered') }), headers: { 'content-type': 'application/json' } },
      };
      for (const [provider, { payload, headers }] of Object.entries(bodies)) {
        const res = await bare.app.inject({ method: 'POST', url: `/v1/email-events/${provider}`, payload, headers });
        expect(res.statusCode, `${provider}: ${res.body}`).toBe(404);
        expect(res.json().error.code).toBe('RESOURCE_NOT_FOUND');
      }
    } finally {
      await bare.close();
    }
    const asked0 = asked.length;
    for (const name of ['sparkpost', 'SES', 'mandrill']) {
      expectRefused(await post(name, JSON.stringify({}), { 'content-type': 'application/json' }), 404, 'RESOURCE_NOT_FOUND');
    }
    expect(asked.length).toBe(asked0);
  });
});

describe('across processes and providers', () => {
  it('refuses a Mailgun replay sent to another API process', async () => {
    const { send } = await setup();
    const sent = await send('mg-twice');
    const signature = mailgunSignature();
    const body = JSON.stringify({ signature, 'event-data': mgEvent(sent, 'delivered') });
    const sibling = await t.sibling();
    try {
      const first = await t.app.inject({ method: 'POST', url: '/v1/email-events/mailgun', headers: { 'content-type': 'application/json' }, payload: body });
      expect(first.statusCode).toBe(200);
      const replay = await sibling.app.inject({ method: 'POST', url: '/v1/email-events/mailgun', headers: { 'content-type': 'application/json' }, payload: body });
      expect(replay.statusCode).toBe(401);
      expect(JSON.parse(replay.body).error.code).toBe('INVALID_SIGNATURE');
    } finally {
      await sibling.close();
    }
  });

  it('counts a bounced invite once, however many providers report it', async () => {
    const { api, campaign, send } = await setup();
    const sent = await send('twice-bounced');
    expectOk(await postSes(snsNotification(sesBounce(sent, 'Permanent'))), 1);
    expectOk(await postMailgun(mgEvent(sent, 'failed', { severity: 'permanent', 'delivery-status': { code: 550, message: 'no such user' } })), 1);
    expect((await emailStats(api, campaign.id)).bounced).toBe(1);
  });
});
