import Sentiment from 'sentiment';
import UAParser from 'ua-parser-js';
import { defaultScale } from '../modules/scripts/question.schemas.js';

/** One line of a transcript, as the analysis and the exports need it. */
export interface UtteranceLike {
  seq: number;
  speaker: 'ai' | 'participant';
  questionId: string | null;
  kind: 'question' | 'follow_up' | 'answer' | 'closing';
  text: string;
  startMs: number;
  endMs: number;
}

export interface QuestionLike {
  id: string;
  text: string;
  type: 'open' | 'rating' | 'multiple_choice' | 'yes_no';
  scale?: { min: number; max: number };
  options?: string[];
}

export interface AnswerLike {
  questionId: string;
  value: string | number | boolean | null;
}

export type SentimentLabel = 'positive' | 'neutral' | 'negative';
export type NpsCategory = 'promoter' | 'passive' | 'detractor';

export interface Insights {
  ratings: Array<{
    questionId: string;
    question: string;
    value: number;
    scale: { min: number; max: number };
    npsCategory?: NpsCategory;
  }>;
  choices: Array<{ questionId: string; question: string; value: string }>;
  yesNo: Array<{ questionId: string; question: string; value: boolean }>;
  topKeywords: string[];
  sentiment: { overall: SentimentLabel; score: number };
}

// Small lexicons on the AFINN scale (−5…5) so es/fr/de/pt answers are scored with their own words:
// the English lexicon would read Spanish "no" or French "pas" as noise. Format "word:score".
const LEXICONS: Record<string, { labels: string; negators: string }> = {
  es: {
    labels: 'bueno:3 buena:3 buenos:3 buenas:3 excelente:3 genial:3 fantástico:4 fantástica:4 increíble:4 perfecto:3 perfecta:3 fácil:2 útil:2 rápido:2 rápida:2 encanta:3 encantó:3 gusta:2 gustó:2 feliz:3 contento:2 contenta:2 satisfecho:2 satisfecha:2 mejor:2 recomiendo:2 maravilloso:4 bien:2 agradable:2 intuitivo:2 amable:2 gracias:2 malo:-3 mala:-3 malos:-3 malas:-3 terrible:-3 horrible:-3 pésimo:-4 pésima:-4 difícil:-2 lento:-2 lenta:-2 confuso:-2 confusa:-2 problema:-2 problemas:-2 error:-2 errores:-2 frustrante:-3 odio:-3 peor:-3 decepcionado:-2 decepcionada:-2 molesto:-2 complicado:-2 complicada:-2 inútil:-2 falla:-2 fallos:-2 roto:-2',
    negators: 'no nunca ni tampoco jamás nada',
  },
  fr: {
    labels: 'bon:3 bonne:3 bons:3 bonnes:3 excellent:3 excellente:3 génial:3 géniale:3 super:3 parfait:3 parfaite:3 facile:2 utile:2 rapide:2 aime:2 adore:3 heureux:3 heureuse:3 content:2 contente:2 satisfait:2 satisfaite:2 meilleur:2 merveilleux:4 agréable:2 intuitif:2 bien:2 merci:2 formidable:4 mauvais:-3 mauvaise:-3 terrible:-3 horrible:-3 nul:-3 nulle:-3 difficile:-2 lent:-2 lente:-2 confus:-2 problème:-2 problèmes:-2 erreur:-2 erreurs:-2 frustrant:-3 frustrante:-3 déteste:-3 pire:-3 déçu:-2 déçue:-2 compliqué:-2 compliquée:-2 inutile:-2 bug:-2 bugs:-2',
    negators: 'pas jamais rien ni',
  },
  de: {
    labels: 'gut:3 gute:3 guten:3 guter:3 gutes:3 toll:3 tolle:3 super:3 ausgezeichnet:4 hervorragend:4 perfekt:3 nützlich:2 hilfreich:2 schnell:2 zufrieden:2 glücklich:3 liebe:3 mag:2 gefällt:2 besser:2 beste:3 großartig:4 angenehm:2 intuitiv:2 danke:2 prima:3 freundlich:2 schlecht:-3 schlechte:-3 schlechter:-3 schrecklich:-3 furchtbar:-3 schwierig:-2 langsam:-2 kompliziert:-2 verwirrend:-2 problem:-2 probleme:-2 fehler:-2 frustrierend:-3 teuer:-2 hasse:-3 schlimm:-3 enttäuscht:-2 nutzlos:-2 ärgerlich:-2 kaputt:-2',
    negators: 'nicht kein keine keinen keiner nie niemals',
  },
  pt: {
    labels: 'bom:3 boa:3 bons:3 boas:3 ótimo:3 ótima:3 excelente:3 incrível:4 perfeito:3 perfeita:3 fácil:2 útil:2 rápido:2 rápida:2 adoro:3 amo:3 gostei:2 feliz:3 contente:2 satisfeito:2 satisfeita:2 melhor:2 maravilhoso:4 maravilhosa:4 legal:2 agradável:2 intuitivo:2 obrigado:2 obrigada:2 ruim:-3 péssimo:-4 péssima:-4 terrível:-3 horrível:-3 difícil:-2 lento:-2 lenta:-2 confuso:-2 confusa:-2 problema:-2 problemas:-2 erro:-2 erros:-2 frustrante:-3 caro:-2 odeio:-3 pior:-3 decepcionado:-2 decepcionada:-2 complicado:-2 complicada:-2 inútil:-2 falha:-2',
    negators: 'não nunca nem jamais nada',
  },
};

const STOP_WORDS: Record<string, string> = {
  en: "the and for are but not you all any can had her was one our out has his how its may new now old see two who did get let put say she too use that with have this will your from they been were what when where which while would there their them then than these those into about after again also just only over some such very more most other could should because being both each few same own here why yes yeah okay really think know like well much many lot don doesn didn isn wasn aren weren won wouldn couldn shouldn haven hasn hadn thing things something anything maybe actually pretty",
  es: 'que los las del por con una uno unos unas para como más pero sus muy sin sobre este esta esto estos estas ese esa eso esos esas entre cuando también hasta desde donde porque todo todos toda todas nos les ella ellos ellas mis tus fue ser son está están era han hay había tiene tienen hace algo muy mucho mucha poco otra otro cada así sí yo tu él qué cómo cuál creo',
  fr: "les des une que qui dans par pour pas sur avec est sont mais ont ces ses aux plus tout tous toute toutes elle elles nous vous ils leur leurs mon ton son mes tes été être avoir fait très comme aussi donc car quand alors bien cela ceci cette celui dont même peu beaucoup encore où oui non était avait",
  de: 'der die das den dem des ein eine einen einem einer eines und oder aber mit von für auf aus bei nach über unter vor zum zur ist sind war waren hat haben hatte wird werden sein nicht auch noch sehr nur schon wie wenn dann weil dass als ich sie wir ihr mir mich dir dich uns euch sich ihm ihn man mein dein kein keine diese dieser dieses doch mal ganz viel etwas immer',
  pt: 'que dos das uma umas uns para com por não mais mas como sem sobre este esta isto esse essa isso aquele aquela entre quando também até desde onde porque todo todos toda todas nos lhe lhes ela elas eles meu minha seu sua foi ser são está estão era tem têm há havia faz muito muita pouco outra outro cada assim sim eu você acho',
};

const sentiment = new Sentiment();
// Languages with no lexicon score emoji only (the package adds emoji to every language).
const UNSCORED = 'und';
sentiment.registerLanguage(UNSCORED, { labels: {} });
for (const [code, lexicon] of Object.entries(LEXICONS)) {
  const labels = Object.fromEntries(lexicon.labels.split(' ').map((pair) => {
    const [word, score] = pair.split(':');
    return [word, Number(score)];
  }));
  const negators = new Set(lexicon.negators.split(' '));
  sentiment.registerLanguage(code, {
    labels,
    // These languages put the negation before the verb ("no es bueno", "não é bom"), so a
    // negator one or two words back flips the score.
    scoringStrategy: {
      apply: (tokens, cursor, score) =>
        negators.has(tokens[cursor - 1] ?? '') || negators.has(tokens[cursor - 2] ?? '') ? -score : score,
    },
  });
}

const stopWordSets = new Map(Object.entries(STOP_WORDS).map(([code, words]) => [code, new Set(words.split(' '))]));

/** 'pt-BR' → 'pt'; anything unknown keeps its base code and is handled by the callers' fallbacks. */
function baseLanguage(language: string): string {
  return language.trim().toLowerCase().split(/[-_]/)[0] ?? '';
}

const round2 = (n: number): number => Math.round(n * 100) / 100 + 0; // + 0 turns −0 into 0

/**
 * Sentiment: the package sums AFINN word scores (−5…5) and divides by the token count
 * ("comparative", so in −5…5 but rarely beyond ±2). tanh maps it smoothly into −1…1: a short
 * clearly positive answer ("I love it", comparative 1) lands at 0.76, one mild word in a long
 * answer stays near 0. Rounded to 2 decimals.
 */
export function analyzeText(text: string, language: string): { sentiment: number; keywords: string[] } {
  const lang = baseLanguage(language);
  const code = lang === 'en' || lang in LEXICONS ? lang : UNSCORED;
  // The package's tokenizer only splits on ASCII punctuation and single spaces: "¡Excelente!"
  // would not match "excelente", so punctuation and whitespace runs are flattened first.
  const flattened = text.normalize('NFC').replace(/’/g, "'").replace(/[^\P{P}']/gu, ' ').replace(/\s+/g, ' ').trim();
  const comparative = flattened ? sentiment.analyze(flattened, { language: code }).comparative : 0;
  return { sentiment: Number.isFinite(comparative) ? round2(Math.tanh(comparative)) : 0, keywords: rankKeywords([text], lang, 5) };
}

/**
 * Content words (≥ 3 letters, not stop words of the language or of English, which often mixes
 * in), most frequent first, ties by first appearance. Apostrophes split words ("l'application"
 * → "application"), so English contraction stems are in the English stop list.
 */
function rankKeywords(texts: string[], language: string, limit: number): string[] {
  const stop = [stopWordSets.get(language), stopWordSets.get('en')].filter((s): s is Set<string> => s !== undefined);
  const counts = new Map<string, { count: number; first: number }>();
  let position = 0;
  for (const text of texts) {
    for (const word of text.normalize('NFC').toLowerCase().match(/[\p{L}\p{M}]+/gu) ?? []) {
      position += 1;
      if ([...word.replace(/\p{M}/gu, '')].length < 3 || stop.some((s) => s.has(word))) continue;
      const seen = counts.get(word);
      if (seen) seen.count += 1;
      else counts.set(word, { count: 1, first: position });
    }
  }
  return [...counts.entries()]
    .sort(([, a], [, b]) => b.count - a.count || a.first - b.first)
    .slice(0, limit)
    .map(([word]) => word);
}

/** Mean of per-utterance scores; |mean| ≤ 0.05 is neutral so a stray mild word does not tip it. */
export function overallSentiment(scores: number[]): { overall: SentimentLabel; score: number } {
  const valid = scores.filter((s) => Number.isFinite(s));
  const score = valid.length === 0 ? 0 : round2(valid.reduce((sum, s) => sum + s, 0) / valid.length);
  return { overall: sentimentLabel(score), score };
}

export function sentimentLabel(score: number): SentimentLabel {
  if (score > 0.05) return 'positive';
  if (score < -0.05) return 'negative';
  return 'neutral';
}

export interface Device {
  browser: string | null;
  os: string | null;
  type: 'desktop' | 'mobile' | 'tablet';
}

/** Parsed user agents: a campaign's participants share a few dozen, and parsing one costs ~50 µs. */
const devices = new Map<string, Device>();
const devicesKept = 500;

/** Browser as "Name major" (the API shows "Chrome 120"), OS as "Name version". */
export function parseDevice(userAgent: string | null | undefined): Device {
  if (!userAgent || !userAgent.trim()) return { browser: null, os: null, type: 'desktop' };
  const known = devices.get(userAgent);
  if (known) return { ...known };
  const device = parseUserAgent(userAgent);
  if (devices.size >= devicesKept) devices.clear();
  if (userAgent.length <= 512) devices.set(userAgent, device);
  return { ...device };
}

function parseUserAgent(userAgent: string): Device {
  const result = new UAParser(userAgent).getResult();
  const join = (name: string | undefined, version: string | undefined) =>
    name ? [name, version].filter(Boolean).join(' ') : null;
  // ua-parser-js 1.x says "Mac OS"; Apple and the API example say "macOS".
  const osName = result.os.name === 'Mac OS' ? 'macOS' : result.os.name;
  const deviceType = result.device.type;
  const type = deviceType === 'tablet' ? 'tablet' : deviceType === 'mobile' || deviceType === 'wearable' ? 'mobile' : 'desktop';
  return { browser: join(result.browser.name, result.browser.major), os: join(osName, result.os.version), type };
}

// "Would you recommend…" in en, es/pt (recomend-, and Spanish "recomiendes"), fr (recommand-),
// de (empfehl-, "empfiehlst").
const RECOMMEND = /recommend|recomend|recomiend|recommand|empfehl|empfiehl/i;

const YES = new Set(['yes', 'y', 'true', 'sí', 'si', 'oui', 'ja', 'sim']);
const NO = new Set(['no', 'n', 'false', 'non', 'nein', 'não', 'nao']);

/** The structured answers summarised per question type, plus keywords and overall sentiment. */
export function insights(
  questions: QuestionLike[],
  answers: AnswerLike[],
  participantTexts: Array<{ text: string; sentiment: number }>,
  language: string,
): Insights {
  // A question answered twice (an edit, a retry) counts with its latest answer.
  const latest = new Map<string, AnswerLike['value']>();
  for (const answer of answers) latest.set(answer.questionId, answer.value);

  const result: Insights = {
    ratings: [],
    choices: [],
    yesNo: [],
    topKeywords: rankKeywords(participantTexts.map((t) => t.text), baseLanguage(language), 10),
    sentiment: overallSentiment(participantTexts.map((t) => t.sentiment)),
  };
  for (const question of questions) {
    const value = latest.get(question.id);
    if (value === undefined || value === null) continue;
    const base = { questionId: question.id, question: question.text };
    if (question.type === 'rating') {
      const scale = question.scale ?? { ...defaultScale };
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() ? Number(value) : NaN;
      // A value outside the scale is bad data, not a rating worth reporting.
      if (!Number.isFinite(n) || n < scale.min || n > scale.max) continue;
      const category = npsCategory(question.text, scale, n);
      result.ratings.push({ ...base, value: n, scale: { min: scale.min, max: scale.max }, ...(category ? { npsCategory: category } : {}) });
    } else if (question.type === 'multiple_choice') {
      const choice = String(value).trim();
      if (choice) result.choices.push({ ...base, value: choice });
    } else if (question.type === 'yes_no') {
      const word = typeof value === 'string' ? value.trim().toLowerCase() : null;
      const yes = value === true || (word !== null && YES.has(word));
      const no = value === false || (word !== null && NO.has(word));
      if (yes || no) result.yesNo.push({ ...base, value: yes });
    }
  }
  return result;
}

/** Net Promoter only for the classic 0–10 (or 1–10) "would you recommend" question. */
function npsCategory(text: string, scale: { min: number; max: number }, value: number): NpsCategory | undefined {
  if (scale.max !== 10 || (scale.min !== 0 && scale.min !== 1) || !RECOMMEND.test(text)) return undefined;
  if (value >= 9) return 'promoter';
  if (value >= 7) return 'passive';
  return 'detractor';
}
