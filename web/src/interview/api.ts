import { requestJson } from '../shared/http';

/** The participant's API (server: modules/sessions/participant.routes.ts). */

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

export type QuestionType = 'open' | 'rating' | 'multiple_choice' | 'yes_no';

export interface Question {
  id: string;
  text: string;
  type: QuestionType;
  required: boolean;
  options?: string[];
  scale?: { min: number; max: number };
}

export type Step =
  | { kind: 'consent' }
  | { kind: 'question'; index: number; total: number; question: Question }
  | {
      kind: 'follow_up';
      index: number;
      total: number;
      questionId: string;
      text: string;
      /** What was said about the question so far, from the server (so it survives a reload). */
      thread: { speaker: 'ai' | 'participant'; text: string }[];
    }
  | { kind: 'review' }
  | { kind: 'completed' }
  | { kind: 'paused'; reason: string | null }
  | { kind: 'ended'; reason: string };

export interface View {
  session: { id: string; status: string; questionsAnswered: number; totalQuestions: number; language: string };
  campaign: { name: string };
  step: Step;
}

export type Answer = string | number | boolean | null;

const enc = encodeURIComponent;

export const participantApi = {
  open: (token: string, name?: string) => requestJson<Welcome>('GET', `/p/invites/${enc(token)}${name ? `?name=${enc(name)}` : ''}`),
  start: (token: string, body: { email?: string; prefill: Record<string, string> }) => requestJson<View>('POST', `/p/invites/${enc(token)}/start`, body),
  view: () => requestJson<View>('GET', '/p/session'),
  consent: (granted: boolean) => requestJson<View>('POST', '/p/session/consent', { granted, type: 'all' }),
  answer: (questionId: string, answer: Answer) => requestJson<View>('POST', '/p/session/answer', { questionId, answer }),
  heartbeat: () => requestJson<View>('POST', '/p/session/heartbeat'),
  complete: () => requestJson<View>('POST', '/p/session/complete'),
};
