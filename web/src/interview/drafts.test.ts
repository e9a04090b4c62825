import { describe, expect, it } from 'vitest';
import { clearDraft, draftKey, readDraft, writeDraft } from './drafts';

function memoryStore() {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (k: string) => items.get(k) ?? null,
    setItem: (k: string, v: string) => void items.set(k, v),
    removeItem: (k: string) => void items.delete(k),
  };
}

describe('drafts of answers not yet sent', () => {
  it('keeps one draft per session, question and step, and forgets it when cleared', () => {
    const store = memoryStore();
    const question = draftKey('ses_1', 'q1', 'question');
    const followUp = draftKey('ses_1', 'q1', 'follow_up:2');
    writeDraft(question, 'The first week was', store);
    expect(readDraft(question, store)).toBe('The first week was');
    expect(readDraft(followUp, store)).toBe('');
    expect(readDraft(draftKey('ses_2', 'q1', 'question'), store)).toBe('');
    clearDraft(question, store);
    expect(readDraft(question, store)).toBe('');
  });

  it('keeps no draft of blank text', () => {
    const store = memoryStore();
    const key = draftKey('ses_1', 'q1', 'question');
    writeDraft(key, 'something', store);
    writeDraft(key, '   ', store);
    expect(store.items.size).toBe(0);
  });

  it('carries on without storage, or with storage that refuses', () => {
    const key = draftKey('ses_1', 'q1', 'question');
    expect(() => writeDraft(key, 'text', null)).not.toThrow();
    expect(readDraft(key, null)).toBe('');
    const refusing = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
      removeItem: () => {
        throw new Error('SecurityError');
      },
    };
    expect(() => writeDraft(key, 'text', refusing)).not.toThrow();
    expect(readDraft(key, refusing)).toBe('');
    expect(() => clearDraft(key, refusing)).not.toThrow();
  });
});
