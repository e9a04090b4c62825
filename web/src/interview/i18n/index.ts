import { de } from './de';
import { en, type MessageKey, type Messages } from './en';
import { es } from './es';
import { fr } from './fr';
import { pt } from './pt';

export const messages: Record<Language, Messages> = { en, es, fr, de, pt };
export const languages = ['en', 'es', 'fr', 'de', 'pt'] as const;
export type Language = (typeof languages)[number];

type Vars = Record<string, string | number>;
type PluralBase<K> = K extends `${infer B}_one` ? B : never;
export type PluralKey = PluralBase<MessageKey>;

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (languages as readonly string[]).includes(value);
}

/** The campaign's language when known; otherwise the browser's, when Parley speaks it. */
export function pickLanguage(campaignLanguage: string | undefined, browserLanguages: readonly string[] = []): Language {
  if (isLanguage(campaignLanguage)) return campaignLanguage;
  for (const tag of browserLanguages) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLanguage(base)) return base;
  }
  return 'en';
}

export function fill(template: string, vars: Vars = {}): string {
  return template.replace(/\{(\w+)\}/g, (all, name: string) => (name in vars ? String(vars[name]) : all));
}

export interface Translator {
  lang: Language;
  t(key: MessageKey, vars?: Vars): string;
  /** A plural message: `{count}` picks the `_one` or `_other` form by the language's rules. */
  plural(key: PluralKey, count: number, vars?: Vars): string;
  date(iso: string): string;
}

export function translator(lang: Language): Translator {
  const strings = messages[lang];
  const rules = new Intl.PluralRules(lang);
  const dates = new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeStyle: 'short' });
  return {
    lang,
    t: (key, vars) => fill(strings[key], vars),
    plural: (key, count, vars) => fill(strings[`${key}_${rules.select(count) === 'one' ? 'one' : 'other'}` as MessageKey], { count, ...vars }),
    date: (iso) => dates.format(new Date(iso)),
  };
}
