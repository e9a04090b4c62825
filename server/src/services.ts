import type { FastifyBaseLogger } from 'fastify';
import { createLocalFileStorage, storageRoot } from './adapters/storage/local-file-storage.js';
import type { Clock } from './core/clock.js';
import type { Config } from './config.js';
import type { Db } from './db/database.js';
import { housekeepingJob } from './jobs/housekeeping.job.js';
import type { JobDefinition } from './jobs/queue.js';
import { createQueue } from './jobs/queue.js';
import { createApiKeyService } from './modules/api-keys/api-key.service.js';
import { createCampaignService } from './modules/campaigns/campaign.service.js';
import { createIdempotencyService } from './modules/idempotency/idempotency.service.js';
import { createOrganizationService } from './modules/organizations/organization.service.js';
import { createProjectService } from './modules/projects/project.service.js';
import { createRateLimiter } from './modules/rate-limit/rate-limiter.js';
import { createSqlRateLimitStore } from './modules/rate-limit/rate-limit.store.js';
import { createRedisRateLimitStore } from './modules/rate-limit/redis-rate-limit.store.js';
import { createScriptMediaService } from './modules/scripts/script-media.service.js';
import { createScriptTransfer } from './modules/scripts/script-transfer.js';
import { createScriptService } from './modules/scripts/script.service.js';
import { expireInvitesJob } from './jobs/expire-invites.job.js';
import { sendEmailJobDefinition } from './jobs/send-email.job.js';
import { sendRemindersJob } from './jobs/send-reminders.job.js';
import type { Mailer } from './adapters/mailer/mailer.js';
import { createRemoteFetcher, type RemoteFetcher } from './adapters/http/certificates.js';
import { createSmtpMailer } from './adapters/mailer/smtp-mailer.js';
import { createEmailDelivery } from './modules/email/email-delivery.js';
import { createEmailEvents } from './modules/email/email-events.js';
import { createEmailTemplateService } from './modules/email/email-template.service.js';
import { createReminderRun } from './modules/email/reminders.js';
import { createSendBucket } from './modules/email/send-bucket.js';
import { createSuppressionService } from './modules/email/suppression.service.js';
import { createTrackingLinks } from './modules/email/tracking-links.js';
import { createWebhookReceipts } from './modules/email/webhook-receipts.js';
import { builtInInterviewer } from './interviewer/built-in.js';
import { createLlmInterviewer } from './interviewer/llm.js';
import { sessionLivenessJob } from './jobs/session-liveness.job.js';
import { createSessionAnalysis } from './modules/sessions/session-analysis.js';
import { createSessionCookies } from './modules/sessions/session-cookie.js';
import { createSessionFlow } from './modules/sessions/session-flow.js';
import { createSessionService } from './modules/sessions/session.service.js';
import { noEmailTransport } from './modules/invites/invite-delivery.js';
import { createInviteStats } from './modules/invites/invite-stats.js';
import { createTokenVault } from './modules/invites/invite-tokens.js';
import { createInviteService } from './modules/invites/invite.service.js';
import { createInviteActions } from './modules/invites/invite-actions.js';
import { createInviteLifecycle } from './modules/invites/invite-lifecycle.js';
import { createInviteExporter } from './modules/invites/invite-export.js';
import { createInviteImporter } from './modules/invites/invite-import.js';
import { createInviteSharing } from './modules/invites/invite-share.js';

/**
 * The composition root: every service is created here, with its dependencies handed to it.
 * Nothing else constructs services, so this file shows who depends on what.
 */
export function createServices(deps: {
  config: Config;
  db: Db;
  clock: Clock;
  logger: FastifyBaseLogger;
  /** Replacements for outside systems (tests hand in local ones). */
  mailer?: Mailer;
  fetcher?: RemoteFetcher;
}) {
  const { config, db, clock, logger } = deps;
  const storage = createLocalFileStorage(storageRoot(config.dataDir));
  const redisStore = config.redisUrl ? createRedisRateLimitStore(config.redisUrl) : undefined;

  const organizations = createOrganizationService({ db, clock, publicUrl: config.publicUrl });
  const apiKeys = createApiKeyService({ db, clock });
  const projects = createProjectService({ db, clock });
  const scripts = createScriptService({ db, clock, projects });
  const scriptTransfer = createScriptTransfer({ scripts, clock });
  const scriptMedia = createScriptMediaService({ db, clock, storage, scripts, publicUrl: config.publicUrl });
  const stats = createInviteStats({ db, clock });
  const emailTemplates = createEmailTemplateService({ db, clock });
  const campaigns = createCampaignService({ db, clock, scripts, projects, stats, checkTemplate: emailTemplates.assertUsable });
  const vault = createTokenVault(config.secret);
  const queue = createQueue({ db, clock });
  const fetcher = deps.fetcher ?? createRemoteFetcher();
  const suppressions = createSuppressionService({ db, clock });
  const webhookReceipts = createWebhookReceipts({ db, clock });
  const links = createTrackingLinks({ secret: config.secret, publicUrl: config.publicUrl });
  const emailEvents = createEmailEvents({ db, clock, suppressions, logger });
  const mailer = deps.mailer ?? (config.email.smtpUrl ? createSmtpMailer({ url: config.email.smtpUrl, poolSize: config.email.poolSize }) : undefined);
  const bucket = createSendBucket({ db, clock, ratePerSecond: config.email.ratePerSecond });
  const emailDelivery = createEmailDelivery({
    db, clock, queue, mailer, from: config.email.from, publicUrl: config.publicUrl, organizations, vault, links,
    templates: emailTemplates, suppressions, events: emailEvents, bucket, logger,
  });
  const delivery = mailer ? emailDelivery : noEmailTransport;
  const runReminders = createReminderRun({ db, clock, delivery });
  const invites = createInviteService({
    db, clock, vault, campaigns, organizations, delivery, stats, checkTemplate: emailTemplates.assertUsable,
  });
  const inviteActions = createInviteActions({ db, clock, campaigns, delivery, invites });
  const inviteLifecycle = createInviteLifecycle({ db, clock, invites });
  const inviteImporter = createInviteImporter({ invites, clock, vault });
  const interviewer = config.llm ? createLlmInterviewer(config.llm, builtInInterviewer, logger) : builtInInterviewer;
  const analyzeSession = createSessionAnalysis({ db, scripts });
  const sessionFlow = createSessionFlow({ db, clock, vault, campaigns, scripts, lifecycle: inviteLifecycle,
    interviewer,
    analyze: analyzeSession,
    onSweepError: (sessionId, err) => logger.error({ err, sessionId }, 'a session past its time limit could not be ended'),
  });
  const sessions = createSessionService({ db, clock, campaigns, storage });
  const sessionCookies = createSessionCookies(config.secret);
  const inviteExporter = createInviteExporter({ invites });
  const inviteSharing = createInviteSharing({ invites, campaigns, publicUrl: config.publicUrl });
  const idempotency = createIdempotencyService({ db, clock });
  const rateLimiter = createRateLimiter(redisStore ?? createSqlRateLimitStore(db.kysely), clock);
  const jobs = [
    housekeepingJob({ idempotency, receipts: webhookReceipts, logger }),
    expireInvitesJob({ lifecycle: inviteLifecycle, logger }),
    sendEmailJobDefinition({ delivery: emailDelivery }),
    sendRemindersJob({ run: runReminders, logger }),
    sessionLivenessJob({ flow: sessionFlow, logger }),
  ] as JobDefinition<never>[];

  return {
    config,
    db,
    clock,
    organizations,
    apiKeys,
    projects,
    scripts,
    scriptTransfer,
    scriptMedia,
    campaigns,
    vault,
    invites,
    inviteActions,
    inviteLifecycle,
    inviteImporter,
    sessionFlow,
    sessions,
    sessionCookies,
    inviteExporter,
    inviteSharing,
    fetcher,
    webhookReceipts,
    suppressions,
    emailTemplates,
    links,
    emailEvents,
    emailDelivery,
    runReminders,
    idempotency,
    rateLimiter,
    queue,
    jobs,
    async close(): Promise<void> {
      await redisStore?.close();
      await vault.close();
      await mailer?.close();
    },
  };
}

export type Services = ReturnType<typeof createServices>;
