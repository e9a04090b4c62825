import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { RemoteFetcher } from '../../adapters/http/certificates.js';
import type { EmailConfig } from '../../config.js';
import type { Clock } from '../../core/clock.js';
import { publicKeyFromDer } from '../../core/crypto.js';
import { AppError } from '../../core/errors.js';
import type { EmailEvents } from './email-events.js';
import { createMailgunParser } from './providers/mailgun.js';
import { parsePostmark } from './providers/postmark.js';
import type { ProviderEvent, ProviderRequest, WebhookReceipts } from './providers/provider.js';
import { parseSendgrid } from './providers/sendgrid.js';
import { parseSes } from './providers/ses.js';

const providers = ['ses', 'sendgrid', 'postmark', 'mailgun'] as const;

/**
 * `POST /v1/email-events/{provider}`: delivery, bounce, deferral, complaint, open and click
 * events from Amazon SES (via SNS), SendGrid, Postmark and Mailgun, each authenticated the way
 * that provider documents. Not behind API keys: providers cannot send one.
 */
export function providerEventRoutes(deps: {
  email: EmailConfig;
  events: EmailEvents;
  fetcher: RemoteFetcher;
  clock: Clock;
  receipts: WebhookReceipts;
}): FastifyPluginAsync {
  return async (app) => {
    // Signatures cover the exact bytes received, so the body is kept as text.
    app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'string', bodyLimit: 5 * 1024 * 1024 }, (_req, body, done) => done(null, body));
    // Parsed once (config.ts has checked that it is a key).
    const sendgridPublicKey = deps.email.sendgridPublicKey ? publicKeyFromDer(deps.email.sendgridPublicKey) : undefined;
    const mailgun = deps.email.mailgunSigningKey
      ? createMailgunParser({ signingKey: deps.email.mailgunSigningKey, now: () => deps.clock.now(), receipts: deps.receipts })
      : undefined;

    async function parse(provider: string, request: ProviderRequest): Promise<{ events: ProviderEvent[]; receipt?: string }> {
      const unconfigured = () => new AppError('RESOURCE_NOT_FOUND', `Events from ${provider} are not configured on this instance`);
      switch (provider) {
        case 'ses':
          if (deps.email.sesTopicArns.length === 0) throw unconfigured();
          return { events: await parseSes(request, { topicArns: deps.email.sesTopicArns, fetcher: deps.fetcher }) };
        case 'sendgrid':
          if (!sendgridPublicKey) throw unconfigured();
          return { events: parseSendgrid(request, { publicKey: sendgridPublicKey }) };
        case 'postmark':
          if (!deps.email.postmark) throw unconfigured();
          return { events: parsePostmark(request, deps.email.postmark) };
        case 'mailgun':
          if (!mailgun) throw unconfigured();
          return mailgun(request);
        default:
          throw new AppError('RESOURCE_NOT_FOUND', `Unknown email provider ${provider}; known: ${providers.join(', ')}`);
      }
    }

    app.post<{ Params: { provider: string }; Body: string }>('/v1/email-events/:provider', {
      schema: {
        tags: ['Email'],
        summary: 'Receive delivery events from an email provider (ses, sendgrid, postmark, mailgun)',
        security: [],
        response: { 200: z.object({ received: z.number().int(), matched: z.number().int() }) },
      } as never,
      handler: async (request) => {
        const provider = request.params.provider;
        const { events, receipt } = await parse(provider, { headers: request.headers, rawBody: typeof request.body === 'string' ? request.body : '' });
        let matched = 0;
        try {
          for (const { ids, event } of events) {
            const message = await deps.events.locate(ids);
            if (!message) continue;
            await deps.events.record(message.id, event, provider as 'ses');
            matched++;
          }
        } catch (error) {
          // Not processed: the provider's retry of this same delivery must not look like a replay.
          if (receipt) await deps.receipts.release(provider, receipt);
          throw error;
        }
        return { received: events.length, matched };
      },
    });
  };
}
