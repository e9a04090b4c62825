import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface Received {
  to: string[];
  mail: ParsedMail;
  raw: string;
}

/**
 * A real SMTP server in the test process. Recipients whose local part starts with `hard`
 * are refused with 550, `soft` with 452, `busy` with 454 (throttling); everything else is
 * accepted and kept, parsed, in `received`. `refuse` overrides the answer for one address
 * (a code below 400 accepts it).
 */
export async function startSmtpSink(listenOn = 0): Promise<{
  url: string;
  received: Received[];
  /** SMTP connections opened so far. */
  connections: () => number;
  close(): Promise<void>;
  refuse: Map<string, { code: number; message: string }>;
}> {
  const received: Received[] = [];
  let connections = 0;
  const refuse = new Map<string, { code: number; message: string }>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    // Pooled clients keep connections open; closing the sink ends them after this long.
    closeTimeout: 200,
    onConnect(_session, callback) {
      connections++;
      callback();
    },
    onRcptTo(address, _session, callback) {
      const local = address.address.split('@')[0]!.toLowerCase();
      const custom = refuse.get(address.address.toLowerCase());
      const rule = custom ?? (local.startsWith('hard')
        ? { code: 550, message: '5.1.1 mailbox does not exist' }
        : local.startsWith('soft')
          ? { code: 452, message: '4.2.2 mailbox full' }
          : local.startsWith('busy')
            ? { code: 454, message: '4.7.0 too many messages, slow down' }
            : undefined);
      if (rule && rule.code >= 400) {
        const error = Object.assign(new Error(rule.message), { responseCode: rule.code });
        return callback(error);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), mail: await simpleParser(raw), raw });
        callback(null, `Ok: queued as Q${received.length}`);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(listenOn, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as { port: number };
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    refuse,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
