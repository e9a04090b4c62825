import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import { SendFailure, type Mailer, type OutgoingEmail } from '../../adapters/mailer/mailer.js';
import type { Clock } from '../../core/clock.js';
import { newId } from '../../core/ids.js';
import type { Db } from '../../db/database.js';
import { parseJson } from '../../db/database.js';
import type { Database } from '../../db/schema.js';
import type { Queue } from '../../jobs/queue.js';
import type { DeliveryKind, EmailStatus, InviteDelivery } from '../invites/invite-delivery.js';
import { effectiveExpiry, effectiveStatus, type InviteStatus } from '../invites/invite-state.js';
import type { TokenVault } from '../invites/invite-tokens.js';
import { formatExpiry } from './default-templates.js';
import type { EmailEvents } from './email-events.js';
import type { EmailTemplateService } from './email-template.service.js';
import { renderTemplate } from './email-template.service.js';
import { createEmailRepository, type SendContext } from './email.repository.js';
import type { SendBucket } from './send-bucket.js';
import type { SuppressionService } from './suppression.service.js';
import type { TrackingLinks } from './tracking-links.js';
import type { OrganizationService } from '../organizations/organization.service.js';

export const sendEmailJob = 'send-email';

const hour = 3_600_000;
/** Soft bounces are retried three times, within 72 hours of the first attempt. */
const softRetryDelays = [1 * hour, 8 * hour, 24 * hour];
const softRetryWindow = 72 * hour;
/** Never retry in the last day before the invite expires: the email would arrive too late. */
const noRetryBeforeExpiry = 24 * hour;
/** Connection, DNS, TLS and timeout failures say nothing about the recipient: retry longer. */
const maxInfrastructureFailures = 8;
const throttlePause = 60_000;

type Obj = Record<string, unknown>;

/** ±20 % so that retries of one batch do not all come back at the same second. */
function jitter(ms: number): number {
  return Math.round(ms * (0.8 + Math.random() * 0.4));
}

/** Characters that could break out of a header value (CR, LF and other controls) are removed. */
function headerSafe(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f"<>]+/g, ' ').trim();
}

/**
 * The id the server gave the message, from its final answer: "250 2.0.0 Ok: queued as 4F2A9C"
 * (Postfix and most relays), or "250 Ok 0100018c…" (Amazon SES). Nothing when there is none.
 */
export function providerIdOf(response: string): string | undefined {
  return /queued as\s+<?([\w.@-]+)>?/i.exec(response)?.[1] ?? /^250\s+Ok\s+<?([\w.@-]{8,})>?\s*$/i.exec(response.trim())?.[1];
}

function mailbox(from: string): string {
  return /<([^>]+)>/.exec(from)?.[1] ?? from.trim();
}

export interface DeliveryDeps {
  db: Db;
  clock: Clock;
  queue: Queue;
  mailer: Mailer | undefined;
  from: string | undefined;
  publicUrl: string;
  organizations: Pick<OrganizationService, 'interviewUrl'>;
  vault: TokenVault;
  links: TrackingLinks;
  templates: EmailTemplateService;
  suppressions: SuppressionService;
  events: EmailEvents;
  bucket: SendBucket;
  logger: FastifyBaseLogger;
}

/**
 * Email for invites: messages are rows, written with their send jobs in the transaction that
 * asked for them; a worker sends each one through the transport and records what happened.
 * One job sends one message, so a crash between "accepted by the server" and "recorded" can
 * repeat at most that one message.
 */
export function createEmailDelivery(deps: DeliveryDeps): InviteDelivery & {
  sendMessage(messageId: string): Promise<void>;
  sendMessages(messageIds: string[]): Promise<void>;
} {
  const host = new URL(deps.publicUrl).hostname;
  const now = () => deps.clock.now();

  async function enqueue(
    executor: Kysely<Database>,
    inviteIds: string[],
    kind: DeliveryKind,
    options: { message?: string | undefined },
  ): Promise<Map<string, EmailStatus>> {
    if (inviteIds.length === 0) return new Map();
    const invites = await executor
      .selectFrom('invites')
      .select(['id', 'organization_id', 'campaign_id', 'email'])
      .where('id', 'in', inviteIds)
      .where('email', 'is not', null)
      .execute();
    if (invites.length === 0) return new Map();
    const at = now().toISOString();
    const suppressed = await deps.suppressions.suppressedAmong(invites[0]!.organization_id, invites.map((i) => i.email!), executor);
    const messages = invites.map((invite) => {
      const id = newId('msg');
      const blocked = suppressed.has(invite.email!.toLowerCase());
      return {
        id,
        organization_id: invite.organization_id,
        campaign_id: invite.campaign_id,
        invite_id: invite.id,
        kind,
        status: blocked ? 'suppressed' : 'queued',
        to_address: invite.email!.toLowerCase(),
        message_id: `<${id}@${host}>`,
        provider_id: null,
        custom_message: options.message ?? null,
        last_error: blocked ? 'the address is on the suppression list' : null,
        next_attempt_at: null,
        sent_at: null,
        delivered_at: null,
        opened_at: null,
        clicked_at: null,
        bounced_at: null,
        failed_at: blocked ? at : null,
        created_at: at,
        updated_at: at,
      };
    });
    const repo = createEmailRepository(executor);
    await repo.insertMessages(messages);
    await repo.insertEvents(
      messages.map((m) => ({ id: newId('evt'), message_id: m.id, type: m.status, source: 'parley', detail: m.last_error, raw: null, at })),
    );
    const queued = messages.filter((m) => m.status === 'queued');
    const blocked = messages.filter((m) => m.status === 'suppressed');
    if (queued.length > 0) {
      await executor
        .updateTable('invites')
        .set((eb) => ({
          email_status: 'queued',
          updated_at: at,
          ...(kind === 'reminder' ? { reminders_sent: eb('reminders_sent', '+', 1), last_reminder_at: at } : {}),
        }))
        .where('id', 'in', queued.map((m) => m.invite_id))
        .execute();
    }
    if (blocked.length > 0) {
      await executor.updateTable('invites').set({ email_status: 'suppressed', updated_at: at }).where('id', 'in', blocked.map((m) => m.invite_id)).execute();
    }
    await deps.queue.enqueueMany(
      queued.map((m) => ({ name: sendEmailJob, payload: { messageId: m.id }, maxAttempts: 5 })),
      executor,
    );
    return new Map(messages.map((m) => [m.invite_id, m.status as EmailStatus]));
  }

  async function compose(ctx: SendContext): Promise<OutgoingEmail> {
    const settings = parseJson<Obj>(ctx.campaign_settings) ?? {};
    const defaults = parseJson<Obj>(ctx.campaign_invite_defaults) ?? {};
    const orgSettings = parseJson<Obj>(ctx.organization_settings) ?? {};
    const language = typeof settings.language === 'string' ? settings.language : 'en';
    const kind = ctx.kind === 'reminder' ? 'reminder' : 'invite';
    const ref = kind === 'reminder'
      ? (typeof defaults.reminderTemplate === 'string' ? defaults.reminderTemplate : null)
      : ctx.invite_email_template ?? (typeof defaults.emailTemplate === 'string' ? defaults.emailTemplate : null);
    const source = await deps.templates.resolve(ctx.organization_id, ref, kind, language);

    const token = deps.vault.reveal(ctx.invite_token_encrypted);
    const inviteUrl = deps.organizations.interviewUrl({ domain: ctx.organization_domain }, token);
    const unsubscribeUrl = deps.links.unsubscribeUrl(ctx.id);
    const rendered = renderTemplate(source, {
      name: ctx.invite_name,
      email: ctx.to_address,
      inviteUrl: settings.trackClicks === false ? inviteUrl : deps.links.clickUrl(ctx.id),
      expiresAt: formatExpiry(effectiveExpiry(ctx.invite_expires_at, ctx.campaign_expires_at), language),
      message: ctx.custom_message,
      unsubscribeUrl,
      'campaign.name': ctx.campaign_name,
      'campaign.description': ctx.campaign_description,
      'organization.name': ctx.organization_name,
    });
    const pixel = `<img src="${deps.links.openUrl(ctx.id)}" width="1" height="1" alt="" style="display:block;border:0;width:1px;height:1px;">`;
    // Before </body> when the template has one; at the end otherwise (a fragment template).
    const html = settings.trackOpens === false
      ? rendered.html
      : /<\/body>/i.test(rendered.html)
        ? rendered.html.replace(/<\/body>/i, `${pixel}</body>`)
        : `${rendered.html}${pixel}`;

    const address = mailbox(deps.from!);
    const senderName = typeof orgSettings.emailSenderName === 'string' ? headerSafe(orgSettings.emailSenderName) : '';
    const replyTo = typeof orgSettings.emailReplyTo === 'string' && /^[^\s@<>]+@[^\s@<>]+$/.test(orgSettings.emailReplyTo) ? orgSettings.emailReplyTo : undefined;
    return {
      from: senderName ? `"${senderName}" <${address}>` : deps.from!,
      to: ctx.to_address,
      replyTo,
      subject: rendered.subject,
      html,
      text: rendered.text,
      messageId: ctx.message_id,
      headers: {
        'X-Parley-Message': ctx.id,
        'X-Parley-Invite': ctx.invite_id,
        'List-Unsubscribe': `<${unsubscribeUrl}>, <mailto:${address}?subject=${encodeURIComponent(`unsubscribe ${deps.links.unsubscribeToken(ctx.id)}`)}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        // So provider events name our message whichever service relays it.
        'X-SMTPAPI': JSON.stringify({ unique_args: { parley_message_id: ctx.id } }),
        'X-Mailgun-Variables': JSON.stringify({ parley_message_id: ctx.id }),
        'X-PM-Metadata-parley_message_id': ctx.id,
      },
    };
  }

  async function retryLater(messageId: string, runAt: Date): Promise<void> {
    await deps.queue.enqueue({ name: sendEmailJob, payload: { messageId }, runAt, maxAttempts: 5 });
  }

  /** Three of the last five messages to an address soft-bounced: stop writing to it. */
  async function suppressIfRepeatedlySoft(ctx: SendContext): Promise<void> {
    const recent = await createEmailRepository(deps.db.kysely).recentOutcomes(ctx.organization_id, ctx.to_address, 5);
    if (recent.filter((r) => r.soft_bounces > 0).length >= 3) {
      await deps.suppressions.add(ctx.organization_id, ctx.to_address, 'soft_bounces', '3 of the last 5 messages soft-bounced');
    }
  }

  async function onFailure(ctx: SendContext, failure: SendFailure): Promise<void> {
    const repo = createEmailRepository(deps.db.kysely);
    const at = now();
    const detail = failure.responseCode ? `${failure.responseCode} ${failure.message}` : failure.message;
    if (failure.kind === 'hard') {
      await deps.events.record(ctx.id, { type: 'bounced', detail: `hard bounce: ${detail}` }, 'smtp');
      return;
    }
    if (failure.kind === 'throttled') {
      // Not the recipient's fault: slow the whole transport, and try again without counting it.
      await deps.bucket.slowDown(throttlePause);
      await repo.update(ctx.id, { status: 'queued', attempts: Math.max(0, ctx.attempts - 1), updated_at: at.toISOString() });
      await deps.events.record(ctx.id, { type: 'throttled', detail }, 'smtp');
      await retryLater(ctx.id, new Date(at.getTime() + jitter(throttlePause / 2)));
      return;
    }
    if (failure.kind === 'infrastructure') {
      const failures = ctx.infra_failures + 1;
      if (failures >= maxInfrastructureFailures) {
        await repo.update(ctx.id, { infra_failures: failures, updated_at: at.toISOString() });
        await deps.events.record(ctx.id, { type: 'failed', detail: `could not reach the mail server ${failures} times: ${detail}` }, 'smtp');
        return;
      }
      const next = new Date(at.getTime() + jitter(Math.min(hour, 60_000 * 2 ** (failures - 1))));
      await repo.update(ctx.id, { infra_failures: failures, next_attempt_at: next.toISOString(), last_error: detail, updated_at: at.toISOString() });
      await deps.events.record(ctx.id, { type: 'deferred', detail: `transport: ${detail}` }, 'smtp');
      await retryLater(ctx.id, next);
      return;
    }
    // A soft bounce: the recipient's server refused for now.
    const softBounces = ctx.soft_bounces + 1;
    await repo.update(ctx.id, { soft_bounces: softBounces, updated_at: at.toISOString() });
    const delay = softRetryDelays[softBounces - 1];
    const expiry = effectiveExpiry(ctx.invite_expires_at, ctx.campaign_expires_at);
    const next = delay === undefined ? undefined : new Date(at.getTime() + jitter(delay));
    const tooLate = next !== undefined && (
      next.getTime() > Date.parse(ctx.created_at) + softRetryWindow ||
      (expiry !== null && next.getTime() > Date.parse(expiry) - noRetryBeforeExpiry)
    );
    if (!next || tooLate) {
      await deps.events.record(ctx.id, { type: 'deferred', detail: `soft bounce: ${detail}` }, 'smtp');
      await deps.events.record(
        ctx.id,
        { type: 'failed', detail: !next ? `soft bounced ${softBounces} times: ${detail}` : 'soft bounce; no retry this close to the invite expiry' },
        'smtp',
      );
    } else {
      await repo.update(ctx.id, { next_attempt_at: next.toISOString(), last_error: detail });
      await deps.events.record(ctx.id, { type: 'deferred', detail: `soft bounce: ${detail}` }, 'smtp');
      await retryLater(ctx.id, next);
    }
    await suppressIfRepeatedlySoft(ctx);
  }

  return {
    configured: deps.mailer !== undefined,
    enqueue,

    async hasPending(executor: Kysely<Database>, inviteIds: string[]): Promise<Set<string>> {
      return createEmailRepository(executor).pendingFor(inviteIds);
    },

    /**
     * Several send jobs at once: one query loads them, one statement claims them, they go out
     * together through the pool, and their results are recorded in one transaction. Anything
     * unusual (an invite no longer open, a paused campaign, a suppressed address, a rate limit)
     * takes the one-by-one path, which knows how to say why.
     */
    async sendMessages(messageIds: string[]): Promise<void> {
      if (!deps.mailer || deps.bucket.limited || messageIds.length === 1) {
        for (const id of messageIds) await this.sendMessage(id);
        return;
      }
      const mailer = deps.mailer;
      const repo = createEmailRepository(deps.db.kysely);
      const at = now();
      const contexts = (await repo.sendContexts(messageIds)).filter((c) => ['queued', 'deferred', 'sending'].includes(c.status));
      const suppressed = new Set<string>();
      for (const organizationId of new Set(contexts.map((c) => c.organization_id))) {
        const mine = contexts.filter((c) => c.organization_id === organizationId).map((c) => c.to_address);
        for (const address of await deps.suppressions.suppressedAmong(organizationId, mine)) suppressed.add(`${organizationId}:${address}`);
      }
      const plain = (ctx: SendContext) => {
        const status = effectiveStatus(ctx.invite_status as InviteStatus, effectiveExpiry(ctx.invite_expires_at, ctx.campaign_expires_at), at);
        const open = ctx.kind === 'reminder' ? status === 'pending' : status === 'pending' || status === 'started';
        return open && ctx.campaign_status === 'active' && !suppressed.has(`${ctx.organization_id}:${ctx.to_address}`);
      };
      for (const ctx of contexts.filter((c) => !plain(c))) await this.sendMessage(ctx.id);

      const ready = contexts.filter(plain);
      const claimed = await repo.claimForSending(ready.map((c) => c.id), at.toISOString());
      const results = await Promise.all(
        ready
          .filter((c) => claimed.has(c.id))
          .map(async (ctx) => {
            try {
              return { ctx, response: (await mailer.send(await compose(ctx))).response };
            } catch (error) {
              return { ctx, error };
            }
          }),
      );
      await deps.events.recordSent(
        results.flatMap((r) => (r.response !== undefined ? [{ message: r.ctx, response: r.response, providerId: providerIdOf(r.response) }] : [])),
      );
      const unexpected: unknown[] = [];
      for (const r of results) {
        if (r.response !== undefined) continue;
        if (r.error instanceof SendFailure) await onFailure({ ...r.ctx, status: 'sending', attempts: r.ctx.attempts + 1 }, r.error);
        else unexpected.push(r.error);
      }
      // The worker then retries each job alone; messages already sent are skipped there.
      if (unexpected.length > 0) throw new AggregateError(unexpected, `${unexpected.length} message(s) could not be sent`);
    },

    /** The send job: one message, from its row to the transport and back. */
    async sendMessage(messageId: string): Promise<void> {
      const repo = createEmailRepository(deps.db.kysely);
      const ctx = await repo.sendContext(messageId);
      if (!ctx || !['queued', 'deferred', 'sending'].includes(ctx.status)) return;
      const at = now();
      if (!deps.mailer) {
        await deps.events.record(ctx.id, { type: 'failed', detail: 'no email transport is configured' }, 'parley');
        return;
      }
      const status = effectiveStatus(ctx.invite_status as InviteStatus, effectiveExpiry(ctx.invite_expires_at, ctx.campaign_expires_at), at);
      const sendable = ctx.kind === 'reminder' ? status === 'pending' : status === 'pending' || status === 'started';
      if (!sendable) {
        await deps.events.record(ctx.id, { type: 'failed', detail: `not sent: the invite is ${status}` }, 'parley');
        return;
      }
      if (ctx.campaign_status === 'archived') {
        await deps.events.record(ctx.id, { type: 'failed', detail: 'not sent: the campaign is archived' }, 'parley');
        return;
      }
      if (ctx.campaign_status === 'paused') {
        await retryLater(ctx.id, new Date(at.getTime() + 15 * 60_000));
        return;
      }
      if ((await deps.suppressions.suppressedAmong(ctx.organization_id, [ctx.to_address])).size > 0) {
        await deps.events.record(ctx.id, { type: 'suppressed', detail: 'the address is on the suppression list' }, 'parley');
        return;
      }
      const wait = await deps.bucket.take();
      if (wait > 0) {
        await retryLater(ctx.id, new Date(at.getTime() + wait));
        return;
      }
      if (!(await repo.transition(ctx.id, [ctx.status], { status: 'sending', attempts: ctx.attempts + 1, updated_at: at.toISOString() }))) return;
      const email = await compose(ctx);
      try {
        const result = await deps.mailer.send(email);
        await deps.events.record(ctx.id, { type: 'sent', detail: result.response, providerId: providerIdOf(result.response) }, 'smtp');
      } catch (error) {
        if (!(error instanceof SendFailure)) throw error;
        await onFailure({ ...ctx, status: 'sending', attempts: ctx.attempts + 1 }, error);
      }
    },
  };
}

export type EmailDelivery = ReturnType<typeof createEmailDelivery>;
