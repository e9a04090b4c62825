import { AppError, validationError } from '../../core/errors.js';
import type { Question } from '../scripts/question.schemas.js';
import type { SessionRow } from './session.repository.js';

/** A question as the participant's page sees it: no follow-up prompts, text personalised. */
export interface PublicQuestion {
  id: string;
  text: string;
  type: Question['type'];
  required: boolean;
  options?: string[];
  scale?: { min: number; max: number };
}

export type Step =
  | { kind: 'consent' }
  | { kind: 'question'; index: number; total: number; question: PublicQuestion }
  | {
      kind: 'follow_up';
      index: number;
      total: number;
      questionId: string;
      text: string;
      /** What was said about this question so far (its text, the answers, earlier follow-ups): a
       * participant coming back, or on another device, sees what the follow-up follows. */
      thread: ThreadLine[];
    }
  | { kind: 'review' }
  | { kind: 'completed' }
  | { kind: 'paused'; reason: string | null }
  | { kind: 'ended'; reason: string };

export interface ThreadLine {
  speaker: 'ai' | 'participant';
  text: string;
}

/**
 * The fields a sign of life sets (a heartbeat, an answer, a resume): an abandoned session is in
 * progress again, and its abandon clock restarts.
 */
export function alive(session: Pick<SessionRow, 'abandon_after_minutes'>, at: Date) {
  return {
    status: 'in_progress',
    last_seen_at: at.toISOString(),
    abandon_at: new Date(at.getTime() + session.abandon_after_minutes * 60_000).toISOString(),
    updated_at: at.toISOString(),
  };
}

/** `{{name}}` and any prefilled or metadata value, in a question or the system prompt. */
export function personalize(text: string, values: Record<string, unknown>): string {
  return text.replace(/\{\{\s*([\w.-]+)\s*\}\}/g, (_all, key: string) => {
    const value = values[key];
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
  });
}

export function publicQuestion(question: Question, values: Record<string, unknown>): PublicQuestion {
  return {
    id: question.id,
    text: personalize(question.text, values),
    type: question.type,
    required: question.required,
    ...(question.options ? { options: question.options } : {}),
    ...(question.scale ? { scale: question.scale } : {}),
  };
}

/** Where the participant is: derived from the session's position, never stored twice. */
export function currentStep(session: SessionRow, questions: Question[], needsConsent: boolean, values: Record<string, unknown>): Step {
  if (session.status === 'completed') return session.ended_by === 'time_limit' ? { kind: 'ended', reason: 'time_limit' } : { kind: 'completed' };
  if (session.status === 'paused') return { kind: 'paused', reason: session.pause_reason };
  if (needsConsent) return { kind: 'consent' };
  const total = questions.length;
  const question = questions[session.step_index];
  if (!question) return { kind: 'review' };
  if (session.pending_follow_up) {
    // The thread is filled in by the session flow, which reads it (follow-ups are rare).
    return { kind: 'follow_up', index: session.step_index, total, questionId: question.id, text: session.pending_follow_up, thread: [] };
  }
  return { kind: 'question', index: session.step_index, total, question: publicQuestion(question, values) };
}

const yesNo: Record<string, [string, string]> = {
  en: ['Yes', 'No'],
  es: ['Sí', 'No'],
  fr: ['Oui', 'Non'],
  de: ['Ja', 'Nein'],
  pt: ['Sim', 'Não'],
};

export interface CheckedAnswer {
  /** What goes into the transcript. */
  text: string;
  /** The structured value (null when skipped). */
  value: string | number | boolean | null;
  skipped: boolean;
}

/** Checks an answer against its question; a skip is only allowed on optional questions. */
export function checkAnswer(question: Question, raw: unknown, language: string, followUp: boolean): CheckedAnswer {
  const skip = raw === null || raw === undefined || (typeof raw === 'string' && raw.trim() === '');
  if (skip) {
    if (question.required && !followUp) throw validationError('answer', 'this question needs an answer');
    return { text: '', value: null, skipped: true };
  }
  if (followUp || question.type === 'open') {
    if (typeof raw !== 'string') throw validationError('answer', 'the answer must be text');
    const text = raw.trim();
    if (text.length > 5000) throw validationError('answer', 'the answer is longer than 5,000 characters');
    return { text, value: text, skipped: false };
  }
  switch (question.type) {
    case 'rating': {
      const scale = question.scale ?? { min: 1, max: 10 };
      const n = typeof raw === 'string' ? Number(raw) : raw;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < scale.min || n > scale.max) {
        throw validationError('answer', `the answer must be a whole number from ${scale.min} to ${scale.max}`);
      }
      return { text: String(n), value: n, skipped: false };
    }
    case 'multiple_choice': {
      if (typeof raw !== 'string' || !(question.options ?? []).includes(raw)) throw validationError('answer', 'the answer must be one of the options');
      return { text: raw, value: raw, skipped: false };
    }
    case 'yes_no': {
      if (typeof raw !== 'boolean') throw validationError('answer', 'the answer must be true or false');
      const words = yesNo[language] ?? yesNo.en!;
      return { text: raw ? words[0] : words[1], value: raw, skipped: false };
    }
  }
}

/** The answer was for another step (a second tab, a double click): say where things are now. */
export function staleAnswer(step: Step): AppError {
  return new AppError('RESOURCE_CONFLICT', 'This answer is for a step that is no longer current', { step });
}
