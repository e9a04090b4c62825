/**
 * What a participant has typed but not yet sent, kept in the tab's session storage: a reload, a
 * phone that discards the tab in the background, or a slip of the back button does not lose a
 * long answer. Session storage (not local storage) so that nothing typed stays behind on a shared
 * device once the tab is closed. Storage may be missing or full (private modes): then drafts
 * are simply not kept.
 */
type Store = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

const prefix = 'parley:draft:';
/** Longer than any answer the server takes (5,000 characters), so nothing typed is cut. */
const maxLength = 10_000;

function defaultStore(): Store | null {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null;
  }
}

/** One draft per session, question and step (a follow-up is not its question's first answer). */
export function draftKey(sessionId: string, questionId: string, step: string): string {
  return `${prefix}${sessionId}:${questionId}:${step}`;
}

export function readDraft(key: string, store: Store | null = defaultStore()): string {
  try {
    return store?.getItem(key)?.slice(0, maxLength) ?? '';
  } catch {
    return '';
  }
}

export function writeDraft(key: string, text: string, store: Store | null = defaultStore()): void {
  try {
    if (text.trim()) store?.setItem(key, text.slice(0, maxLength));
    else store?.removeItem(key);
  } catch {
    // Full or refused: the draft is not kept, the answer itself is unaffected.
  }
}

export function clearDraft(key: string, store: Store | null = defaultStore()): void {
  try {
    store?.removeItem(key);
  } catch {
    // Nothing to do.
  }
}
