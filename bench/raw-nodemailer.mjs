// The baseline of bench/email.mjs: raw pooled nodemailer, the transport Parley's worker uses,
// with nothing around it. Sends MESSAGES messages to SMTP_URL through one pooled transport
// configured as Parley configures its own (pool: true, maxConnections POOL_SIZE, maxMessages
// Infinity), keeping IN_FLIGHT sendMail() calls in flight. The body is Parley's built-in
// invitation (the compiled template in server/dist), rendered once with values shaped like
// Parley's (a tracking click link, an unsubscribe link, the open pixel) and the same extra
// headers; only the recipient, the Message-ID and the per-message headers change.
// Prints one line `RAW-RESULT {json}` when every message has been accepted (or one failed), then
// stays alive, idle, until SIGTERM / SIGINT, so the parent can read its CPU time and peak memory.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { epochMs, importDependency, serverDir } from './lib.mjs';

const messages = Number(process.env.MESSAGES ?? 10_000);
const poolSize = Number(process.env.POOL_SIZE ?? 5);
const inFlight = Number(process.env.IN_FLIGHT ?? 50);
const smtpUrl = process.env.SMTP_URL;
const from = process.env.MAIL_FROM ?? 'Bench <bench@parley.test>';
const publicUrl = process.env.PUBLIC_URL ?? 'http://127.0.0.1:3000';
const prefix = process.env.RECIPIENT_PREFIX ?? 'raw';
const noDelay = process.env.NO_DELAY === '1';

const nodemailer = await importDependency('nodemailer');
const distModule = (path) => import(pathToFileURL(join(serverDir, 'dist', ...path.split('/'))).href);
const { defaultTemplate } = await distModule('modules/email/default-templates.js');
const { render } = await distModule('modules/email/template-render.js');

// Shapes of Parley's links: msg_ + 20 base62 characters, a 22-character signature.
const messageIdLike = `msg_${randomBytes(15).toString('base64url').replace(/[-_]/g, 'x').slice(0, 20)}`;
const signature = randomBytes(16).toString('base64url');
const values = {
  name: 'Participant 1234',
  email: `${prefix}-1234@bench.parley.test`,
  inviteUrl: `${publicUrl}/e/click/${messageIdLike}.${signature}`,
  expiresAt: null,
  message: null,
  unsubscribeUrl: `${publicUrl}/e/unsubscribe/${messageIdLike}.${signature}`,
  'campaign.name': 'Email round 1',
  'campaign.description': null,
  'organization.name': 'Bench',
};
const source = defaultTemplate('invite', 'en');
const subject = render(source.subject, values, 'subject');
const text = render(source.text, values, 'text');
const html = render(source.html, values, 'html').replace(
  /<\/body>/i,
  `<img src="${publicUrl}/e/open/${messageIdLike}.${signature}.gif" width="1" height="1" alt="" style="display:block;border:0;width:1px;height:1px;"></body>`,
);
const address = /<([^>]+)>/.exec(from)?.[1] ?? from;

// Host and port are given as options, not as `url`: nodemailer ignores every other option of an
// object that has a `url` (it parses the URL alone), so `pool` would be silently dropped.
const target = new URL(smtpUrl);
const transport = nodemailer.createTransport({
  host: target.hostname,
  port: Number(target.port || (target.protocol === 'smtps:' ? 465 : 25)),
  secure: target.protocol === 'smtps:',
  pool: true,
  maxConnections: poolSize,
  maxMessages: Infinity,
  // NO_DELAY=1 (reference only): TCP_NODELAY on each pooled socket. Stock nodemailer leaves
  // Nagle's algorithm on, so the last small write of each message (the closing dot) waits for
  // the ACK of the previous segment, which the receiver delays (40 ms on Linux).
  ...(noDelay
    ? {
        getSocket(options, callback) {
          const socket = net.connect(options.port, options.host);
          socket.setNoDelay(true);
          socket.once('error', callback);
          socket.once('connect', () => {
            socket.removeListener('error', callback);
            callback(null, { connection: socket });
          });
        },
      }
    : {}),
});

const prepared = (value) => ({ prepared: true, value });
function send(i) {
  const id = `${messageIdLike.slice(0, 14)}${String(i).padStart(6, '0')}`;
  return transport.sendMail({
    from,
    to: `${prefix}-${i}@bench.parley.test`,
    subject,
    html,
    text,
    messageId: `<${id}@bench.parley.test>`,
    headers: {
      'X-Parley-Message': prepared(id),
      'X-Parley-Invite': prepared(`inv_${id.slice(4)}`),
      'List-Unsubscribe': prepared(`<${values.unsubscribeUrl}>, <mailto:${address}?subject=unsubscribe%20${messageIdLike}.${signature}>`),
      'List-Unsubscribe-Post': prepared('List-Unsubscribe=One-Click'),
      'X-SMTPAPI': prepared(JSON.stringify({ unique_args: { parley_message_id: id } })),
      'X-Mailgun-Variables': prepared(JSON.stringify({ parley_message_id: id })),
      'X-PM-Metadata-parley_message_id': prepared(id),
    },
  });
}

const startedAt = epochMs();
let next = 0;
let accepted = 0;
let failure;
await new Promise((resolve) => {
  let running = 0;
  const pump = () => {
    while (!failure && running < inFlight && next < messages) {
      const i = next++;
      running++;
      send(i).then(
        () => {
          accepted++;
          running--;
          pump();
        },
        (error) => {
          failure ??= error;
          running--;
          pump();
        },
      );
    }
    if (running === 0 && (failure || next >= messages)) resolve();
  };
  pump();
});
const doneAt = epochMs();
transport.close();

console.log(
  `RAW-RESULT ${JSON.stringify({
    accepted,
    failed: failure ? `${failure.responseCode ?? ''} ${failure.message}`.trim() : null,
    startedAt,
    doneAt,
    processStartedAt: performance.timeOrigin,
    bodyBytes: { html: Buffer.byteLength(html), text: Buffer.byteLength(text) },
  })}`,
);

// Idle until told to stop: the parent reads /proc/<pid> (CPU time, peak memory) first.
const stop = () => process.exit(failure ? 1 : 0);
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
setInterval(() => {}, 60_000);
