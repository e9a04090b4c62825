/** One email, ready to hand to a transport. */
export interface OutgoingEmail {
  from: string;
  to: string;
  replyTo?: string | undefined;
  subject: string;
  html: string;
  text: string;
  /** Our stable Message-ID, with angle brackets. */
  messageId: string;
  headers: Record<string, string>;
}

export interface SendResult {
  /** The server's final answer, such as "250 2.0.0 Ok: queued as 4F2A…". */
  response: string;
}

/**
 * Why a send failed, as far as delivery is concerned:
 * `hard` — the server refused the recipient for good (5xx);
 * `soft` — a temporary refusal for this recipient (421, 450, 451, 452 …);
 * `throttled` — the server asks us to slow down (454, or a 4xx naming a rate);
 * `infrastructure` — no answer about the recipient at all (connection, DNS, TLS, timeout, auth).
 */
export type FailureKind = 'hard' | 'soft' | 'throttled' | 'infrastructure';

export class SendFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly responseCode?: number,
  ) {
    super(message);
    this.name = 'SendFailure';
  }
}

export interface Mailer {
  send(email: OutgoingEmail): Promise<SendResult>;
  close(): Promise<void>;
}

const throttleText = /\b(rate|throttl|too many|slow down)/i;

/** Sorts a transport error into one of the four kinds. */
export function classifyFailure(error: { responseCode?: number; code?: string; response?: string; message?: string }): FailureKind {
  const code = error.responseCode;
  if (code === undefined || code < 400) return 'infrastructure';
  if (code >= 500) return 'hard';
  if (code === 454 || throttleText.test(error.response ?? error.message ?? '')) return 'throttled';
  return 'soft';
}
