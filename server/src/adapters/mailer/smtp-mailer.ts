import nodemailer from 'nodemailer';
import { classifyFailure, SendFailure, type Mailer, type OutgoingEmail, type SendResult } from './mailer.js';

/** Any SMTP server, through a pool of connections kept open between messages. */
export function createSmtpMailer(options: { url: string; poolSize: number; timeoutMs?: number }): Mailer {
  const timeout = options.timeoutMs ?? 30_000;
  const transport = nodemailer.createTransport({
    url: options.url,
    pool: true,
    maxConnections: options.poolSize,
    maxMessages: Infinity,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout * 2,
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
