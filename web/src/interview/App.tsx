import { useEffect, useMemo, useRef, useState } from 'react';
import { LiveRegion } from '../shared/LiveRegion';
import type { Outcome } from '../shared/http';
import { participantApi as api, type Answer, type Step, type View, type Welcome } from './api';
import { pickLanguage, translator, type Language, type Translator } from './i18n/index';
import { clearDraft, draftKey } from './drafts';
import type { Link } from './link';
import { ConsentScreen } from './screens/Consent';
import { FailureNotice } from './screens/Failure';
import { MessagePage } from './screens/MessagePage';
import { Progress } from './screens/Progress';
import { QuestionStep, type ThreadEntry } from './screens/QuestionStep';
import { ReviewScreen } from './screens/Review';
import { WelcomeScreen } from './screens/Welcome';

/** Pages about the link itself (before or instead of a session). */
type Page = 'invalid' | 'expired' | 'completed' | 'cancelled' | 'unavailable' | 'declined';

type Screen = { kind: 'loading' } | { kind: 'welcome'; welcome: Welcome } | { kind: 'page'; page: Page } | { kind: 'session'; view: View };

interface Failure {
  network: boolean;
  retry: () => void;
}

type Answered<T> = Exclude<Outcome<T>, { kind: 'offline' }>;

export const heartbeatMs = 15_000;

export function App({ link }: { link: Link }) {
  const [lang, setLang] = useState<Language>(() => pickLanguage(undefined, navigator.languages));
  const tr = useMemo(() => translator(lang), [lang]);
  const [screen, setScreen] = useState<Screen>({ kind: 'loading' });
  const [campaignName, setCampaignName] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [inlineError, setInlineError] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const trRef = useRef(tr);
  trRef.current = tr;
  const screenRef = useRef(screen);
  screenRef.current = screen;

  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = campaignName ? tr.t('pageTitle', { campaign: campaignName }) : tr.t('loading');
  }, [lang, tr, campaignName]);

  /** Runs one request; no answer or a 5xx becomes a notice with a retry, never a blank screen. */
  async function run<T>(call: () => Promise<Outcome<T>>, done: (outcome: Answered<T>) => void): Promise<void> {
    setBusy(true);
    setFailure(null);
    try {
      const outcome = await call();
      if (outcome.kind === 'offline' || (outcome.kind === 'error' && outcome.status >= 500)) {
        setFailure({ network: outcome.kind === 'offline', retry: () => void run(call, done) });
        return;
      }
      done(outcome);
    } finally {
      setBusy(false);
    }
  }

  function showPage(page: Page) {
    setInlineError(null);
    setScreen({ kind: 'page', page });
  }

  function showView(view: View, announce = true) {
    setLang(pickLanguage(view.session.language));
    setCampaignName(view.campaign.name);
    setInlineError(null);
    setScreen({ kind: 'session', view });
    if (announce) setAnnouncement(announcementFor(view.step, translator(pickLanguage(view.session.language))));
  }

  function load() {
    if (!link.token) return showPage('invalid');
    void run(
      () => api.open(link.token, link.prefill.name),
      (outcome) => {
        // 404 is the server's word for an unknown token; any other refusal of a GET means the same here.
        if (outcome.kind === 'error') return showPage('invalid');
        const welcome = outcome.data;
        setLang(pickLanguage(welcome.campaign.language));
        setCampaignName(welcome.campaign.name);
        setInlineError(null);
        if (welcome.state === 'welcome' || welcome.state === 'resume') setScreen({ kind: 'welcome', welcome });
        else showPage(welcome.state);
      },
    );
  }

  /** The session's current state, after a conflict (another tab, a pause) or on "Check again". */
  function refresh() {
    void run(api.view, (outcome) => {
      if (outcome.kind === 'ok') return showView(outcome.data);
      load();
    });
  }

  /** Errors any session request may get: the cookie is gone, or the step moved on elsewhere. */
  function sessionError(outcome: Extract<Answered<unknown>, { kind: 'error' }>): boolean {
    if (outcome.status === 404) {
      load();
      return true;
    }
    if (outcome.status === 409) {
      refresh();
      return true;
    }
    return false;
  }

  function start(email?: string) {
    void run(
      () => api.start(link.token, { ...(email !== undefined ? { email } : {}), prefill: link.prefill }),
      (outcome) => {
        if (outcome.kind === 'ok') return showView(outcome.data);
        const { status, error } = outcome;
        if (status === 422 && typeof error.details?.attemptsLeft === 'number') {
          return setInlineError(tr.plural('emailMismatch', error.details.attemptsLeft));
        }
        if (status === 429) return setInlineError(tr.plural('emailLocked', Math.max(1, Math.ceil((error.retryAfter ?? 60) / 60))));
        if (error.code === 'INVITE_EXPIRED') return showPage('expired');
        if (error.code === 'CAMPAIGN_NOT_ACTIVE') return showPage('unavailable');
        if (error.code === 'SESSION_NOT_ACTIVE') return showPage(error.details?.state === 'cancelled' ? 'cancelled' : 'completed');
        if (status === 404) return showPage('invalid');
        setFailure({ network: false, retry: () => start(email) });
      },
    );
  }

  function consent(granted: boolean) {
    void run(
      () => api.consent(granted),
      (outcome) => {
        if (outcome.kind === 'ok') return showView(outcome.data);
        if (!granted && outcome.status === 409 && outcome.error.code === 'SESSION_NOT_ACTIVE') return showPage('declined');
        if (!sessionError(outcome)) setFailure({ network: false, retry: () => consent(granted) });
      },
    );
  }

  function answer(step: Extract<Step, { kind: 'question' | 'follow_up' }>, value: Answer, draft: string) {
    const questionId = step.kind === 'question' ? step.question.id : step.questionId;
    void run(
      () => api.answer(questionId, value),
      (outcome) => {
        if (outcome.kind === 'ok') {
          clearDraft(draft);
          return showView(outcome.data);
        }
        if (outcome.status === 422) return setInlineError(tr.t('answerRejected'));
        if (!sessionError(outcome)) setFailure({ network: false, retry: () => answer(step, value, draft) });
      },
    );
  }

  function complete() {
    void run(api.complete, (outcome) => {
      if (outcome.kind === 'ok') return showView(outcome.data);
      if (!sessionError(outcome)) setFailure({ network: false, retry: complete });
    });
  }

  // Once, when the page opens: what the link is (GET: it consumes nothing).
  useEffect(load, []);

  // While a session is open, a sign of life every ~15 s keeps it from being marked abandoned.
  // What the organizer or the clock changed (a pause, its end, the time limit) takes over the
  // screen; an answer being typed is never replaced otherwise.
  const live = screen.kind === 'session' && screen.view.step.kind !== 'completed' && screen.view.step.kind !== 'ended';
  useEffect(() => {
    if (!live) return;
    const timer = window.setInterval(async () => {
      const outcome = await api.heartbeat();
      if (outcome.kind !== 'ok') return;
      const next = outcome.data;
      const prev = screenRef.current;
      if (prev.kind !== 'session') return;
      const was = prev.view.step.kind;
      const takesOver = ['paused', 'ended', 'completed'].includes(next.step.kind) || was === 'paused';
      if (!takesOver || (was === 'paused' && next.step.kind === 'paused')) return;
      // What the organizer or the clock decided replaces the screen, with any stale failure notice.
      setFailure(null);
      setScreen({ kind: 'session', view: next });
      setAnnouncement(announcementFor(next.step, trRef.current));
    }, heartbeatMs);
    return () => window.clearInterval(timer);
  }, [live]);

  const step = screen.kind === 'session' ? screen.view.step : null;
  const asking = step && (step.kind === 'question' || step.kind === 'follow_up') ? step : null;

  let content;
  if (screen.kind === 'loading') {
    content = failure ? (
      <FailureNotice tr={tr} network={failure.network} onRetry={failure.retry} busy={busy} />
    ) : (
      <p className="loading" role="status">
        {tr.t('loading')}
      </p>
    );
  } else if (screen.kind === 'welcome') {
    content = <WelcomeScreen welcome={screen.welcome} tr={tr} busy={busy} error={inlineError} onStart={start} />;
  } else if (screen.kind === 'page') {
    content = pageFor(screen.page, tr, { busy, onChangeMind: () => consent(true) });
  } else {
    const view = screen.view;
    const s = view.step;
    if (s.kind === 'consent') content = <ConsentScreen campaignName={view.campaign.name} tr={tr} busy={busy} onAnswer={consent} />;
    else if (s.kind === 'question' || s.kind === 'follow_up') {
      const questionId = s.kind === 'question' ? s.question.id : s.questionId;
      // A follow-up shows the conversation about its question so far (the server keeps it, so it
      // is there after a reload or on another device too).
      const entries: ThreadEntry[] =
        s.kind === 'follow_up' ? s.thread.map((line) => ({ speaker: line.speaker === 'ai' ? 'ai' : 'you', text: line.text })) : [];
      const draft = draftKey(view.session.id, questionId, s.kind === 'question' ? 'question' : `follow_up:${entries.length}`);
      content = (
        <QuestionStep
          key={`${s.kind}:${questionId}:${entries.length}`}
          step={s}
          thread={entries}
          draftKey={draft}
          tr={tr}
          busy={busy}
          error={inlineError}
          onAnswer={(value) => answer(s, value, draft)}
        />
      );
    } else if (s.kind === 'review') content = <ReviewScreen view={view} tr={tr} busy={busy} onSubmit={complete} />;
    else if (s.kind === 'completed')
      content = (
        <MessagePage tone="good" title={tr.t('thanksTitle')}>
          <p>{tr.t('thanksBody')}</p>
        </MessagePage>
      );
    else if (s.kind === 'paused')
      content = (
        <MessagePage tone="warn" title={tr.t('pausedTitle')} action={{ label: tr.t('checkAgain'), onClick: refresh, busy }}>
          <p>{tr.t('pausedBody')}</p>
          {s.reason && <p className="note">{tr.t('pausedReason', { reason: s.reason })}</p>}
        </MessagePage>
      );
    else
      content = (
        <MessagePage tone="neutral" title={tr.t('endedTitle')}>
          <p>{tr.t('endedBody')}</p>
        </MessagePage>
      );
  }

  return (
    <>
      {campaignName && screen.kind !== 'welcome' && (
        <header className="top">
          <p className="brand">{campaignName}</p>
          {asking && <Progress index={asking.index} total={asking.total} tr={tr} />}
        </header>
      )}
      <main className="main" aria-busy={busy || undefined}>
        {failure && screen.kind !== 'loading' && <FailureNotice tr={tr} network={failure.network} onRetry={failure.retry} busy={busy} />}
        {content}
      </main>
      <LiveRegion message={announcement} />
    </>
  );
}

function announcementFor(step: Step, tr: Translator): string {
  if (step.kind === 'question') return tr.t('announceQuestion', { current: step.index + 1, total: step.total, text: step.question.text });
  if (step.kind === 'follow_up') return tr.t('announceFollowUp', { text: step.text });
  if (step.kind === 'paused') return tr.t('pausedTitle');
  if (step.kind === 'ended') return tr.t('endedTitle');
  return '';
}

/** How each page about the link looks; its title and text are `<page>Title` and `<page>Body`. */
const pageTones: Record<Page, 'neutral' | 'good' | 'warn'> = {
  invalid: 'warn',
  expired: 'warn',
  completed: 'good',
  cancelled: 'neutral',
  unavailable: 'neutral',
  declined: 'neutral',
};

function pageFor(page: Page, tr: Translator, options: { busy: boolean; onChangeMind: () => void }) {
  // Only consent declined can be undone from its page.
  const action = page === 'declined' ? { label: tr.t('changeMind'), onClick: options.onChangeMind, busy: options.busy } : undefined;
  return (
    <MessagePage tone={pageTones[page]} title={tr.t(`${page}Title`)} {...(action ? { action } : {})}>
      <p>{tr.t(`${page}Body`)}</p>
    </MessagePage>
  );
}
