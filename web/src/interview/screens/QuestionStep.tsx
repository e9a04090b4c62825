import { useId, useRef, useState, type FormEvent } from 'react';
import { useFocusOnMount } from '../../shared/useFocusOnMount';
import type { Answer, Question, Step } from '../api';
import { readDraft, writeDraft } from '../drafts';
import type { Translator } from '../i18n/index';

export interface ThreadEntry {
  speaker: 'ai' | 'you';
  text: string;
}

type AskingStep = Extract<Step, { kind: 'question' | 'follow_up' }>;

/**
 * One question (or a follow-up to it), with what was said about it so far above. `onAnswer` gets
 * the value for the API (null skips).
 */
export function QuestionStep(props: {
  step: AskingStep;
  thread: ThreadEntry[];
  /** Where what is typed is kept until it is sent (see drafts.ts). */
  draftKey: string;
  tr: Translator;
  busy: boolean;
  error: string | null;
  onAnswer: (value: Answer) => void;
}) {
  const { step, tr } = props;
  const question: Question | null = step.kind === 'question' ? step.question : null;
  const followUp = step.kind === 'follow_up';
  const type = question?.type ?? 'open';
  const prompt = question ? question.text : step.kind === 'follow_up' ? step.text : '';
  // Follow-ups may always be passed over; questions only when optional.
  const canSkip = followUp || question?.required === false;

  const heading = useFocusOnMount<HTMLHeadingElement>();
  const firstInput = useRef<HTMLTextAreaElement & HTMLInputElement>(null);
  const [text, setText] = useState(() => readDraft(props.draftKey));
  const [choice, setChoice] = useState<{ value: string | number | boolean } | null>(null);
  const [missing, setMissing] = useState(false);
  const ids = { prompt: useId(), hint: useId(), error: useId() };
  const error = missing ? tr.t(type === 'open' ? 'answerRequired' : 'choiceRequired') : props.error;
  const describedBy = [type === 'rating' ? ids.hint : '', error ? ids.error : ''].filter(Boolean).join(' ') || undefined;

  const answer = (value: Answer) => {
    if (!props.busy) props.onAnswer(value);
  };

  function submit(event: FormEvent) {
    event.preventDefault();
    if (props.busy) return;
    const given = type === 'open' ? (text.trim() ? { value: text.trim() } : null) : choice;
    if (given) {
      setMissing(false);
      answer(given.value);
    } else if (canSkip) {
      answer(null);
    } else {
      setMissing(true);
      firstInput.current?.focus();
    }
  }

  const choices: { value: string | number | boolean; label: string }[] =
    type === 'rating'
      ? range(question?.scale ?? { min: 1, max: 10 }).map((n) => ({ value: n, label: String(n) }))
      : type === 'multiple_choice'
        ? (question?.options ?? []).map((o) => ({ value: o, label: o }))
        : type === 'yes_no'
          ? [
              { value: true, label: tr.t('yes') },
              { value: false, label: tr.t('no') },
            ]
          : [];
  const scale = question?.scale ?? { min: 1, max: 10 };

  return (
    <form className="step" onSubmit={submit} noValidate aria-labelledby={ids.prompt}>
      {props.thread.length > 0 && (
        <ol className="thread">
          {props.thread.map((entry, i) => (
            <li key={i} className={`bubble bubble-${entry.speaker}`}>
              <span className="sr-only">{entry.speaker === 'ai' ? tr.t('interviewer') : tr.t('you')}: </span>
              {entry.text}
            </li>
          ))}
        </ol>
      )}
      {(followUp || canSkip) && <p className="tag">{followUp ? tr.t('followUp') : tr.t('optional')}</p>}
      <h1 id={ids.prompt} ref={heading} tabIndex={-1} className="prompt">
        {prompt}
      </h1>

      {type === 'open' && (
        <textarea
          ref={firstInput}
          className="answer-text"
          name="answer"
          rows={5}
          maxLength={5000}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            writeDraft(props.draftKey, e.target.value);
          }}
          aria-labelledby={ids.prompt}
          aria-describedby={describedBy}
          aria-invalid={error ? true : undefined}
          aria-required={!canSkip || undefined}
        />
      )}

      {type !== 'open' && (
        <>
          {type === 'rating' && (
            <p id={ids.hint} className="hint">
              {tr.t('ratingRange', { min: scale.min, max: scale.max })}
            </p>
          )}
          <div
            role="radiogroup"
            className={`choices choices-${type}${type === 'rating' ? ` cols-${columns(choices.length)}` : ''}`}
            aria-labelledby={ids.prompt}
            aria-describedby={describedBy}
            aria-required={!canSkip || undefined}
            aria-invalid={error ? true : undefined}
          >
            {choices.map((c, i) => (
              <label key={String(c.value)} className="choice">
                <input
                  ref={i === 0 ? firstInput : undefined}
                  type="radio"
                  name={`answer-${question?.id ?? 'q'}`}
                  value={String(c.value)}
                  checked={choice?.value === c.value}
                  onChange={() => {
                    setChoice({ value: c.value });
                    setMissing(false);
                  }}
                />
                <span>{c.label}</span>
              </label>
            ))}
          </div>
        </>
      )}

      {error && (
        <p id={ids.error} className="field-error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="submit" className="button primary" aria-disabled={props.busy || undefined}>
          {props.busy ? tr.t('busy') : tr.t('next')}
        </button>
        {canSkip && (
          <button type="button" className="button secondary" aria-disabled={props.busy || undefined} onClick={() => answer(null)}>
            {tr.t('skip')}
          </button>
        )}
      </div>
    </form>
  );
}

/** Columns for a scale on a phone: at most 6 a row, rows as even as they can be. */
function columns(count: number): number {
  const rows = Math.ceil(count / 6);
  return Math.max(1, Math.ceil(count / rows));
}

function range({ min, max }: { min: number; max: number }): number[] {
  const out: number[] = [];
  for (let n = min; n <= max && out.length < 101; n++) out.push(n);
  return out;
}
