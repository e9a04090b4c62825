import { connect, type Socket } from 'node:net';
import nodemailer from 'nodemailer';
import { classifyFailure, SendFailure, type Mailer, type OutgoingEmail, type SendResult } from './mailer.js';

/**
 * Connection options from SMTP_URL: `smtp://user:pass@host:port` (STARTTLS when offered) or
 * `smtps://…` (TLS from the start); `?requireTLS=true` refuses to send without STARTTLS,
 * `?rejectUnauthorized=false` accepts a certificate that does not verify (test servers only).
 */
export function smtpOptions(value: string) {
  const url = new URL(value);
  const secure = url.protocol === 'smtps:';
  return {
    host: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    secure,
    ...(url.username ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } } : {}),
    requireTLS: url.searchParams.get('requireTLS') === 'true',
    tls: { rejectUnauthorized: url.searchParams.get('rejectUnauthorized') !== 'false' },
  };
}

/** Any SMTP server, through a pool of connections kept open between messages. */
export function createSmtpMailer(options: { url: string; poolSize: number; timeoutMs?: number }): Mailer {
  const timeout = options.timeoutMs ?? 30_000;
  const connection = smtpOptions(options.url);
  // (Options must not include `url`: nodemailer would then ignore all the others, pool included.)
  const transport = nodemailer.createTransport({
    ...connection,
    pool: true,
    maxConnections: options.poolSize,
    maxMessages: Infinity,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout * 2,
    // Nagle's algorithm holds each command until the previous one is acknowledged (~40 ms on
    // a delayed ACK); SMTP is a conversation of small writes, so it is turned off. Sockets of
    // smtps:// connections are made by nodemailer itself.
    ...(connection.secure
      ? {}
      : {
          getSocket: (_options: unknown, callback: (error: Error | null, socket?: { connection: Socket }) => void) => {
            const socket = connect({ host: connection.host, port: connection.port ?? 587, noDelay: true });
            const failed = (error: Error) => callback(error);
            socket.setTimeout(timeout, () => socket.destroy(Object.assign(new Error('Connection timeout'), { code: 'ETIMEDOUT' })));
            socket.once('error', failed);
            socket.once('connect', () => {
              socket.setTimeout(0);
              socket.removeListener('error', failed);
              callback(null, { connection: socket });
            });
          },
        }),
  } as nodemailer.TransportOptions);

  return {
    async send(email: OutgoingEmail): Promise<SendResult> {
      try {
        const info = await transport.sendMail({
          from: email.from,
          to: email.to,
          replyTo: email.replyTo,
          subject: email.subject,
          html: email.html,
          text: email.text,
          messageId: email.messageId,
          // Our headers are ASCII and already safe; sent as they are, not MIME-encoded (a relay
          // reads X-SMTPAPI or X-Mailgun-Variables as plain JSON).
          headers: Object.fromEntries(Object.entries(email.headers).map(([k, v]) => [k, { prepared: true, value: v }])),
        });
        return { response: String(info.response ?? '') };
      } catch (error) {
        const e = error as { responseCode?: number; code?: string; response?: string; message?: string };
        throw new SendFailure(classifyFailure(e), e.response ?? e.message ?? String(error), e.responseCode);
      }
    },
    async close() {
      transport.close();
    },
  };
}
