import { describe, expect, it } from 'vitest';
import { en } from './en';
import { languages, messages, pickLanguage, translator } from './index';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('the interview page strings', () => {
  it.each(languages)('%s has exactly the keys of en, none empty, with the same placeholders', (lang) => {
    const strings = messages[lang];
    expect(Object.keys(strings).sort()).toEqual(Object.keys(en).sort());
    for (const [key, text] of Object.entries(strings)) {
      expect(text.trim(), `${lang}.${key}`).not.toBe('');
      expect(placeholders(text), `${lang}.${key}`).toEqual(placeholders(en[key as keyof typeof en]));
    }
  });

  it('every plural message has both forms', () => {
    for (const key of Object.keys(en)) {
      if (key.endsWith('_one')) expect(Object.keys(en)).toContain(key.replace(/_one$/, '_other'));
      if (key.endsWith('_other')) expect(Object.keys(en)).toContain(key.replace(/_other$/, '_one'));
    }
  });

  it('fills values and picks plural forms by the language', () => {
    expect(translator('en').plural('questionCount', 1)).toBe('1 question');
    expect(translator('en').plural('questionCount', 5)).toBe('5 questions');
    expect(translator('fr').plural('duration', 0)).toBe('environ 0 minute'); // French: 0 is singular
    expect(translator('de').t('progress', { current: 2, total: 5 })).toBe('Frage 2 von 5');
  });

  it("uses the campaign's language, else the browser's, else English", () => {
    expect(pickLanguage('pt', ['de-DE'])).toBe('pt');
    expect(pickLanguage(undefined, ['it-IT', 'es-MX'])).toBe('es');
    expect(pickLanguage('xx', ['it'])).toBe('en');
  });
});
