import type { Clock } from '../../core/clock.js';
import { AppError, notFound } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Db } from '../../db/database.js';
import { parseJson, toJson } from '../../db/database.js';
import { parseDevice } from '../../interviewer/analysis.js';
import type { Interviewer } from '../../interviewer/interviewer.js';
import type { Campaign, CampaignService } from '../campaigns/campaign.service.js';
import type { InviteLifecycle } from '../invites/invite-lifecycle.js';
import { effectiveExpiry, effectiveStatus, type InviteStatus } from '../invites/invite-state.js';
import type { TokenVault } from '../invites/invite-tokens.js';
import { tokenPattern } from '../invites/invite-tokens.js';
import { createInviteRepository, type InviteRecord } from '../invites/invite.repository.js';
import type { Question } from '../scripts/question.schemas.js';
import type { ScriptService } from '../scripts/script.service.js';
import { alive, checkAnswer, currentStep, personalize, staleAnswer, type Step } from './session-steps.js';
import type { Insertable } from 'kysely';
import type { SessionTable } from '../../db/schema.js';
import { createAnswerStore, createSessionRepository, type SessionRow } from './session.repository.js';

type Obj = Record<string, unknown>;

/** What opening a link shows: each state has its own page. */
export type LinkState = 'welcome' | 'resume' | 'completed' | 'expired' | 'cancelled' | 'unavailable';

export interface Welcome {
  state: LinkState;
  campaign: { name: string; description: string | null; language: string };
  invitee: { name: string | null };
  questionCount: number;
  estimatedMinutes: number;
  requireConsent: boolean;
  verifyEmail: boolean;
  expiresAt: string | null;
}

export interface View {
  session: { id: string; status: string; questionsAnswered: number; totalQuestions: number; language: string };
  campaign: { name: string };
  step: Step;
}

const maxVerifyAttempts = 5;
const verifyLockMs = 15 * 60_000;
const defaultAbandonMinutes = 30;
export const supportedLanguages = ['en', 'es', 'fr', 'de', 'pt'];

/** About how long an interview takes: a question's own limit, or 2 minutes open, 30 s closed. */
function estimateMinutes(questions: Question[]): number {
  const seconds = questions.reduce((sum, q) => sum + (q.maxDuration ?? (q.type === 'open' ? 120 : 30)), 0);
  return Math.max(1, Math.round(seconds / 60));
}

/** The participant's side of an interview: open, start, consent, answer, come back, finish. */
export function createSessionFlow(deps: {
  db: Db;
  clock: Clock;
  vault: TokenVault;
  campaigns: CampaignService;
  scripts: ScriptService;
  lifecycle: InviteLifecycle;
  interviewer: Interviewer;
  /** Runs when a session completes (sentiment, keywords, insights). */
  analyze: (sessionId: string) => Promise<void>;
  /** A session the liveness sweep could not end (it is tried again on the next sweep). */
  onSweepError?: (sessionId: string, error: Error) => void;
}) {
  const repo = createSessionRepository(deps.db.kysely);
  const answers = createAnswerStore(deps.db);
  const invites = createInviteRepository(deps.db.kysely, deps.db.dialect);
  const now = () => deps.clock.now();

  async function inviteByToken(token: string): Promise<InviteRecord> {
    const invite = tokenPattern.test(token) ? await invites.findByTokenHash(deps.vault.hash(token)) : undefined;
    if (!invite) throw new AppError('RESOURCE_NOT_FOUND', 'This interview link is not valid', { state: 'invalid' });
    return invite;
  }

  async function context(invite: InviteRecord) {
    const campaign = await deps.campaigns.load(invite.organization_id, invite.campaign_id);
    const version = await deps.scripts.versionById(invite.organization_id, campaign.scriptVersionId);
    if (!version) throw notFound('Script version', campaign.scriptVersionId);
    const language = typeof campaign.settings.language === 'string' && supportedLanguages.includes(campaign.settings.language) ? campaign.settings.language : 'en';
    return { campaign, version, language };
  }

  function linkState(invite: InviteRecord, campaign: Campaign): LinkState {
    const status = effectiveStatus(invite.status as InviteStatus, effectiveExpiry(invite.expires_at, invite.campaign_expires_at), now());
    if (status === 'completed') return 'completed';
    if (status === 'cancelled') return 'cancelled';
    if (status === 'expired') return 'expired';
    if (campaign.status !== 'active') return 'unavailable';
    return status === 'started' ? 'resume' : 'welcome';
  }

  /** Values a question's text may use: the name, and every metadata or prefilled value. */
  function values(session: Pick<SessionRow, 'metadata' | 'participant_name'>): Obj {
    return { ...parseJson<Obj>(session.metadata), name: session.participant_name ?? '' };
  }

  function needsConsent(session: SessionRow, campaign: Campaign): boolean {
    return campaign.settings.requireConsent === true && !(parseJson<Obj | null>(session.consent)?.granted === true);
  }

  /**
   * Campaigns as answers see them (name, consent setting, pinned version), kept a few seconds:
   * every answer of every participant needs its campaign, and a settings change may take that
   * long to reach interviews already under way. Opening and starting always read it fresh.
   */
  const campaignCache = new Map<string, { campaign: Campaign; until: number }>();
  const campaignTtlMs = 5_000;
  async function campaignOf(organizationId: string, campaignId: string): Promise<Campaign> {
    const at = now().getTime();
    const hit = campaignCache.get(campaignId);
    if (hit && hit.until > at) return hit.campaign;
    const campaign = await deps.campaigns.load(organizationId, campaignId);
    if (campaignCache.size >= 1000) campaignCache.clear();
    campaignCache.set(campaignId, { campaign, until: at + campaignTtlMs });
    return campaign;
  }

  async function load(sessionId: string) {
    const session = await answers.find(sessionId);
    if (!session) throw new AppError('RESOURCE_NOT_FOUND', 'This interview session was not found', { state: 'invalid' });
    const campaign = await campaignOf(session.organization_id, session.campaign_id);
    const version = await deps.scripts.versionById(session.organization_id, session.script_version_id);
    if (!version) throw notFound('Script version', session.script_version_id);
    return { session, campaign, version };
  }

  type Loaded = Awaited<ReturnType<typeof load>>;

  /** The participant's view, from state already in hand (no second read after a write). */
  function render({ session, campaign, version }: Loaded): View {
    return {
      session: {
        id: session.id,
        status: session.status,
        questionsAnswered: session.questions_answered,
        totalQuestions: session.total_questions,
        language: session.language,
      },
      campaign: { name: campaign.name },
      step: currentStep(session, version.questions, needsConsent(session, campaign), values(session)),
    };
  }

  /**
   * The participant's view, with the conversation about the current question when the step is
   * a follow-up (one small read, only then).
   */
  async function present(loaded: Loaded, known?: { speaker: string; text: string }[]): Promise<View> {
    const view = render(loaded);
    if (view.step.kind === 'follow_up') {
      const lines = known ?? (await repo.thread(loaded.session.id, view.step.questionId));
      view.step.thread = lines.map((line) => ({ speaker: line.speaker === 'ai' ? 'ai' : 'participant', text: line.text }));
    }
    return view;
  }

  const overdue = (session: SessionRow, at: Date) =>
    ['in_progress', 'abandoned', 'paused'].includes(session.status) && session.deadline_at !== null && Date.parse(session.deadline_at) <= at.getTime();

  /** Ends a session at its time limit, politely: everything answered so far is kept. */
  async function endByTimeLimit(session: SessionRow): Promise<void> {
    await finish(session, 'time_limit');
  }

  async function finish(session: SessionRow, endedBy: 'participant' | 'time_limit'): Promise<void> {
    const at = now();
    const done = await deps.db.kysely.transaction().execute(async (trx) => {
      const r = createSessionRepository(trx);
      const duration = session.started_at ? Math.max(0, Math.round((at.getTime() - Date.parse(session.started_at)) / 1000)) : 0;
      const changed = await r.update(session.id, { status: session.status, step_index: session.step_index }, {
        status: 'completed',
        completed_at: at.toISOString(),
        ended_by: endedBy,
        duration_seconds: duration,
        pending_follow_up: null,
        abandon_at: null,
        deadline_at: null,
        updated_at: at.toISOString(),
      });
      if (!changed) return false;
      await deps.lifecycle.completeWithin(trx, session.invite_id);
      return true;
    });
    if (done) await deps.analyze(session.id);
  }

  /** Liveness is written at most this often per session (heartbeats come every ~15 s). */
  const touchEveryMs = 10_000;
  /** Whether the session's liveness was written recently enough to leave it alone. */
  const recentlySeen = (session: SessionRow, at: Date) =>
    session.status === 'in_progress' && session.last_seen_at !== null && at.getTime() - Date.parse(session.last_seen_at) < touchEveryMs;

  /**
   * A sign of life from the participant: an abandoned session resumes, the time limit is
   * applied, and the abandon clock restarts (written at most every few seconds).
   */
  async function touched(loaded: Loaded): Promise<Loaded> {
    const at = now();
    const { session } = loaded;
    if (overdue(session, at)) {
      await endByTimeLimit(session);
      return { ...loaded, session: (await repo.findById(session.id))! };
    }
    if (session.status !== 'in_progress' && session.status !== 'abandoned') return loaded;
    if (recentlySeen(session, at)) return loaded;
    const patch = alive(session, at);
    await repo.update(session.id, { status: session.status }, patch);
    return { ...loaded, session: { ...session, ...patch } };
  }

  async function view(sessionId: string): Promise<View> {
    return present(await touched(await load(sessionId)));
  }

  function offsetMs(session: SessionRow, at: string | null): number {
    if (!session.started_at || !at) return 0;
    return Math.max(0, Date.parse(at) - Date.parse(session.started_at));
  }

  function assertActive(session: SessionRow): void {
    if (session.status === 'paused') throw new AppError('SESSION_NOT_ACTIVE', 'The interview is paused by the organizer', { status: session.status });
    if (session.status === 'completed') throw new AppError('SESSION_NOT_ACTIVE', 'The interview is already complete', { status: session.status });
  }

  return {
    view,

    async open(token: string, prefillName?: string): Promise<Welcome> {
      const invite = await inviteByToken(token);
      const { campaign, version, language } = await context(invite);
      return {
        state: linkState(invite, campaign),
        campaign: { name: campaign.name, description: campaign.description, language },
        invitee: { name: invite.name ?? prefillName ?? null },
        questionCount: version.questions.length,
        estimatedMinutes: estimateMinutes(version.questions),
        requireConsent: campaign.settings.requireConsent === true,
        verifyEmail: campaign.settings.verifyEmail === true && invite.email !== null,
        expiresAt: effectiveExpiry(invite.expires_at, invite.campaign_expires_at),
      };
    },

    /**
     * Starts the interview (or picks it up again, on any device). The invite moves to
     * `started` and the session is created in one transaction; of any number of concurrent
     * starts exactly one creates it, and the others join it.
     */
    async start(token: string, input: { email?: string | undefined; prefill: Record<string, string>; ip: string | null; userAgent: string | null }): Promise<View> {
      const invite = await inviteByToken(token);
      const { campaign, version, language } = await context(invite);
      const state = linkState(invite, campaign);
      if (state !== 'welcome' && state !== 'resume') {
        throw new AppError(state === 'expired' ? 'INVITE_EXPIRED' : state === 'unavailable' ? 'CAMPAIGN_NOT_ACTIVE' : 'SESSION_NOT_ACTIVE', `This interview link is ${state}`, { state });
      }
      const at = now();
      if (campaign.settings.verifyEmail === true && invite.email) {
        if (invite.verify_locked_until && Date.parse(invite.verify_locked_until) > at.getTime()) {
          const retryAfter = Math.ceil((Date.parse(invite.verify_locked_until) - at.getTime()) / 1000);
          throw new AppError('RATE_LIMITED', `Too many attempts; try again in ${Math.ceil(retryAfter / 60)} minutes`, undefined, { retryAfter });
        }
        if ((input.email ?? '').trim().toLowerCase() !== invite.email.toLowerCase()) {
          const attempts = invite.verify_attempts + 1;
          const locked = attempts >= maxVerifyAttempts;
          await invites.update(invite.id, {
            verify_attempts: locked ? 0 : attempts,
            verify_locked_until: locked ? new Date(at.getTime() + verifyLockMs).toISOString() : null,
          });
          throw new AppError('VALIDATION_ERROR', 'This is not the address the invitation was sent to', {
            fields: [{ path: 'email', message: 'does not match' }],
            attemptsLeft: locked ? 0 : maxVerifyAttempts - attempts,
          });
        }
        if (invite.verify_attempts > 0) await invites.update(invite.id, { verify_attempts: 0 });
      }

      // A pending invite has no session yet (its session is created in the transaction that
      // starts it); any other one may, and then this is the participant coming back.
      if (invite.status !== 'pending') {
        const existing = await repo.findByInvite(invite.id);
        if (existing) return present(await touched({ session: existing, campaign, version }));
      }

      const metadata = { ...parseJson<Obj>(invite.metadata), ...input.prefill };
      const abandonAfter = typeof campaign.settings.abandonAfterMinutes === 'number' ? campaign.settings.abandonAfterMinutes : defaultAbandonMinutes;
      const maxDuration = typeof campaign.settings.maxDuration === 'number' ? campaign.settings.maxDuration : null;
      const id = newId('ses');
      const iso = at.toISOString();
      // When another request started it first, this one joins the session that request created
      // (the insert does nothing: one session per invite is a unique key).
      const row = {
        id,
        organization_id: invite.organization_id,
        campaign_id: invite.campaign_id,
        invite_id: invite.id,
        script_version_id: version.id,
        status: 'in_progress',
        language,
        participant_name: invite.name ?? input.prefill.name ?? null,
        participant_email: invite.email,
        metadata: toJson(metadata),
        consent: null,
        device: toJson(parseDevice(input.userAgent)),
        user_agent: input.userAgent,
        ip: input.ip,
        step_index: 0,
        follow_ups: 0,
        pending_follow_up: null,
        step_shown_at: iso,
        questions_answered: 0,
        utterance_count: 0,
        total_questions: version.questions.length,
        abandon_after_minutes: abandonAfter,
        max_duration_seconds: maxDuration,
        started_at: iso,
        completed_at: null,
        last_seen_at: iso,
        abandon_at: new Date(at.getTime() + abandonAfter * 60_000).toISOString(),
        deadline_at: maxDuration ? new Date(at.getTime() + maxDuration * 1000).toISOString() : null,
        paused_at: null,
        pause_reason: null,
        ended_by: null,
        duration_seconds: null,
        sentiment: null,
        analysis: null,
        created_at: iso,
        updated_at: iso,
      } satisfies Insertable<SessionTable> & SessionRow;
      const created = await deps.db.kysely.transaction().execute(async (trx) => {
        try {
          await deps.lifecycle.startWithin(trx, invite.id, invite);
        } catch (error) {
          if (!(error instanceof AppError && error.code === 'INVALID_STATE_TRANSITION')) throw error;
        }
        return createSessionRepository(trx).insert(row);
      });
      // The request that created the session has it in hand; one that lost the race reads it.
      const session = created ? row : await repo.findByInvite(invite.id);
      if (!session) throw new AppError('RESOURCE_CONFLICT', 'The interview could not be started; try again');
      return present({ session, campaign, version });
    },

    /** Records consent: what was granted, when, from where. The admin endpoint writes the same record. */
    async consent(sessionId: string, input: { granted: boolean; type: string; ip: string | null; userAgent: string | null }): Promise<View> {
      const loaded = await touched(await load(sessionId));
      assertActive(loaded.session);
      const record = { granted: input.granted, type: input.type, at: now().toISOString(), ip: input.ip, userAgent: input.userAgent };
      await repo.update(loaded.session.id, {}, { consent: toJson(record), updated_at: record.at });
      if (!input.granted) throw new AppError('SESSION_NOT_ACTIVE', 'The interview cannot go on without consent', { consent: record });
      return present({ ...loaded, session: { ...loaded.session, consent: toJson(record) } });
    },

    /**
     * Saves one answer, asks the interviewer whether to follow up, and moves on: one read of the
     * session, one transaction (liveness included), and the next step built from what is in hand.
     */
    async answer(sessionId: string, input: { questionId: string; value: unknown }): Promise<View> {
      let loaded = await load(sessionId);
      const at = now();
      if (overdue(loaded.session, at)) loaded = await touched(loaded);
      const { session, version, campaign } = loaded;
      assertActive(session);
      const known = values(session);
      const step = currentStep(session, version.questions, needsConsent(session, campaign), known);
      if ((step.kind !== 'question' && step.kind !== 'follow_up') || (step.kind === 'question' ? step.question.id : step.questionId) !== input.questionId) {
        throw staleAnswer(step);
      }
      const question = version.questions[session.step_index]!;
      const isFollowUp = step.kind === 'follow_up';
      const checked = checkAnswer(question, input.value, session.language, isFollowUp);
      const iso = at.toISOString();
      const asked = isFollowUp ? step.text : personalize(question.text, known);

      let followUp: string | null = null;
      // The transcript is read only when a follow-up could be asked.
      let earlier: { speaker: string; text: string; question_id: string | null }[] = [];
      if (!checked.skipped && question.type === 'open' && question.followUp.enabled && session.follow_ups < question.followUp.maxFollowUps) {
        earlier = await repo.utterances(session.id);
        followUp = await deps.interviewer.followUp({
          systemPrompt: personalize(version.systemPrompt, known),
          question,
          answer: checked.text,
          asked: session.follow_ups,
          language: session.language,
          transcript: [
            ...earlier.map((u) => ({ speaker: u.speaker as 'ai' | 'participant', text: u.text })),
            { speaker: 'ai', text: asked },
            { speaker: 'participant', text: checked.text },
          ],
        });
      }
      const moveOn = followUp === null;
      const shown = offsetMs(session, session.step_shown_at);
      const lines = [
        { id: newId('utt'), session_id: session.id, seq: session.utterance_count + 1, speaker: 'ai', question_id: question.id, kind: isFollowUp ? 'follow_up' : 'question', text: asked, value: null, start_ms: shown, end_ms: shown, sentiment: null, keywords: null, created_at: iso },
        ...(checked.skipped
          ? []
          : [{ id: newId('utt'), session_id: session.id, seq: session.utterance_count + 2, speaker: 'participant', question_id: question.id, kind: 'answer', text: checked.text, value: toJson({ value: checked.value }), start_ms: shown, end_ms: offsetMs(session, iso), sentiment: null, keywords: null, created_at: iso }]),
      ];
      const patch = {
        // Liveness only when it is due: rewriting the abandon time on every answer would also
        // rewrite its index entry (a page of the log per answer) for nothing.
        ...(recentlySeen(session, at) ? { updated_at: iso } : alive(session, at)),
        step_index: moveOn ? session.step_index + 1 : session.step_index,
        follow_ups: moveOn ? 0 : session.follow_ups + 1,
        pending_follow_up: followUp,
        step_shown_at: iso,
        // A question counts as answered when it is left with an answer (a follow-up means it had one).
        questions_answered: moveOn && (isFollowUp || !checked.skipped) ? session.questions_answered + 1 : session.questions_answered,
        utterance_count: session.utterance_count + lines.length,
      };
      const saved = await answers.save(session.id, { status: session.status, step_index: session.step_index, follow_ups: session.follow_ups }, patch, lines);
      if (!saved) throw staleAnswer(step);
      // A follow-up's thread is what was said about this question, now including these lines.
      const thread = followUp === null ? undefined : [...earlier, ...lines].filter((u) => u.question_id === question.id);
      return present({ ...loaded, session: { ...session, ...patch } }, thread);
    },

    async heartbeat(sessionId: string): Promise<View> {
      return view(sessionId);
    },

    /** The participant submits after the last question: the session and its invite complete. */
    async complete(sessionId: string): Promise<View> {
      const loaded = await touched(await load(sessionId));
      const { session } = loaded;
      if (session.status === 'completed') return present(loaded);
      assertActive(session);
      const step = currentStep(session, loaded.version.questions, needsConsent(session, loaded.campaign), values(session));
      if (step.kind !== 'review') throw new AppError('RESOURCE_CONFLICT', 'There are questions left to answer', { step });
      await finish(session, 'participant');
      return view(session.id);
    },

    /** The sweep: quiet sessions become abandoned; sessions past their time limit end. */
    async sweep(batchSize = 500): Promise<{ abandoned: number; ended: number }> {
      const at = now().toISOString();
      let abandoned = 0;
      for (const session of await repo.quiet(at, batchSize)) {
        if (await repo.update(session.id, { status: 'in_progress' }, { status: 'abandoned', updated_at: at })) abandoned++;
      }
      let ended = 0;
      for (const session of await repo.overtime(at, batchSize)) {
        // One session that cannot be ended must not hold back the others behind it.
        try {
          await endByTimeLimit(session);
          ended++;
        } catch (error) {
          deps.onSweepError?.(session.id, error as Error);
        }
      }
      return { abandoned, ended };
    },
  };
}

export type SessionFlow = ReturnType<typeof createSessionFlow>;
