import type { Question } from '../modules/scripts/question.schemas.js';

/** What the interviewer knows when it decides whether to ask a follow-up. */
export interface FollowUpInput {
  systemPrompt: string;
  question: Question;
  /** The participant's answer to the question or to the last follow-up. */
  answer: string;
  /** Follow-ups already asked on this question. */
  asked: number;
  language: string;
  /** The conversation so far, oldest first. */
  transcript: Array<{ speaker: 'ai' | 'participant'; text: string }>;
}

/**
 * Decides the next line after an answer: a follow-up question, or nothing (move on). It is only
 * asked for open questions whose follow-ups are enabled and not used up.
 */
export interface Interviewer {
  followUp(input: FollowUpInput): Promise<string | null>;
}
