import { useId, useRef, useState, type FormEvent } from 'react';
import { useFocusOnMount } from '../../shared/useFocusOnMount';
import type { Welcome } from '../api';
import type { Translator } from '../i18n/index';

/** The first screen: what this is, how long it takes, and a deliberate Start (or Continue). */
export function WelcomeScreen(props: { welcome: Welcome; tr: Translator; busy: boolean; error: string | null; onStart: (email?: string) => void }) {
  const { welcome, tr } = props;
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [email, setEmail] = useState('');
  const [missing, setMissing] = useState(false);
  const emailRef = useRef<HTMLInputElement>(null);
  const ids = { email: useId(), hint: useId(), error: useId() };
  const resume = welcome.state === 'resume';
  const error = missing ? tr.t('emailRequired') : props.error;

  function submit(event: FormEvent) {
    event.preventDefault();
    if (props.busy) return;
    if (welcome.verifyEmail) {
      if (!email.trim()) {
        setMissing(true);
        emailRef.current?.focus();
        return;
      }
      setMissing(false);
      props.onStart(email.trim());
      return;
    }
    props.onStart();
  }

  return (
    <section className="welcome" aria-labelledby="welcome-title">
      <p className="eyebrow">{welcome.invitee.name ? tr.t('greeting', { name: welcome.invitee.name }) : tr.t('greetingAnonymous')}</p>
      <h1 id="welcome-title" ref={heading} tabIndex={-1}>
        {welcome.campaign.name}
      </h1>
      {welcome.campaign.description && <p className="lead">{welcome.campaign.description}</p>}
      <p>{tr.t('intro')}</p>
      <ul className="facts">
        <li>{tr.plural('questionCount', welcome.questionCount)}</li>
        <li>{tr.plural('duration', welcome.estimatedMinutes)}</li>
      </ul>
      <p>{resume ? tr.t('resumeIntro') : tr.t('savedAsYouGo')}</p>
      <form onSubmit={submit} noValidate>
        {welcome.verifyEmail && (
          <div className="field">
            <label htmlFor={ids.email}>{tr.t('emailLabel')}</label>
            <p id={ids.hint} className="hint">
              {tr.t('emailHint')}
            </p>
            <input
              ref={emailRef}
              id={ids.email}
              type="email"
              name="email"
              autoComplete="email"
              inputMode="email"
              autoCapitalize="none"
              spellCheck={false}
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              aria-describedby={error ? `${ids.hint} ${ids.error}` : ids.hint}
              aria-invalid={error ? true : undefined}
            />
          </div>
        )}
        {error && (
          <p id={ids.error} className="field-error" role="alert">
            {error}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="button primary" aria-disabled={props.busy || undefined}>
            {props.busy ? tr.t('busy') : resume ? tr.t('continue') : tr.t('start')}
          </button>
        </div>
      </form>
      {welcome.expiresAt && <p className="note">{tr.t('expiresOn', { date: tr.date(welcome.expiresAt) })}</p>}
    </section>
  );
}
