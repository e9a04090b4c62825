// The SMTP sink of bench/email.mjs: a real `smtp-server` on 127.0.0.1:SMTP_PORT that accepts
// every message (no TLS, no AUTH, no reverse DNS), reads each message's data stream to the end
// without parsing it, answers like Postfix ("250 Ok: queued as <id>"), and counts.
// A tiny HTTP server on 127.0.0.1:CONTROL_PORT reports and resets the count:
//   GET  /count            → {"count","recipients","unique","bytes","connections","peakOpen","firstAt","lastAt","targetAt"}
//                            (connections: opened since the reset; peakOpen: most open at once)
//   POST /reset?target=N   → zeroes everything; `targetAt` is then the time the Nth message was accepted
// Times are epoch milliseconds with sub-millisecond precision (performance.timeOrigin + now()),
// comparable with the same clock in the parent. Runs until SIGTERM / SIGINT.
import http from 'node:http';
import { epochMs, importDependency } from './lib.mjs';

const { SMTPServer } = await importDependency('smtp-server');
const smtpPort = Number(process.env.SMTP_PORT);
const controlPort = Number(process.env.CONTROL_PORT);
const host = '127.0.0.1';

let state;
/** Connections open right now (not reset between rounds). */
let open = 0;
function reset(target = 0) {
  state = { target, connections: 0, peakOpen: open, count: 0, recipients: 0, unique: new Set(), bytes: 0, firstAt: null, lastAt: null, targetAt: null };
}
reset();

let queueId = 0;
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  disableReverseLookup: true,
  logger: false,
  banner: 'Parley bench sink',
  maxClients: 1000,
  onConnect(session, callback) {
    state.connections++;
    state.peakOpen = Math.max(state.peakOpen, ++open);
    callback();
  },
  onClose() {
    open--;
  },
  onData(stream, session, callback) {
    let bytes = 0;
    stream.on('data', (chunk) => (bytes += chunk.length));
    stream.on('end', () => {
      const at = epochMs();
      state.count++;
      state.bytes += bytes;
      for (const rcpt of session.envelope.rcptTo) {
        state.recipients++;
        state.unique.add(rcpt.address.toLowerCase());
      }
      state.firstAt ??= at;
      state.lastAt = at;
      if (state.target > 0 && state.count === state.target) state.targetAt = at;
      callback(null, `2.0.0 Ok: queued as ${(++queueId).toString(16).toUpperCase().padStart(10, '0')}`);
    });
  },
});
smtp.on('error', (error) => console.error(`smtp sink: ${error.message}`));

const control = http.createServer((req, res) => {
  const url = new URL(req.url, `http://${host}`);
  if (req.method === 'POST' && url.pathname === '/reset') {
    reset(Number(url.searchParams.get('target') ?? 0));
  } else if (!(req.method === 'GET' && url.pathname === '/count')) {
    res.writeHead(404).end();
    return;
  }
  const { unique, target, ...rest } = state;
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...rest, target, unique: unique.size }));
});

const close = () => {
  control.close();
  smtp.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.once('SIGTERM', close);
process.once('SIGINT', close);

await new Promise((resolve, reject) => {
  smtp.once('error', reject);
  smtp.listen(smtpPort, host, resolve);
});
await new Promise((resolve) => control.listen(controlPort, host, resolve));
console.log(`smtp sink on ${host}:${smtpPort}, control on ${host}:${controlPort}`);
