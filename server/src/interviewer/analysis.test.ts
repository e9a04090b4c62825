import { describe, expect, it } from 'vitest';
import { analyzeText, insights, overallSentiment, parseDevice, type AnswerLike, type QuestionLike } from './analysis.js';

describe('analyzeText sentiment', () => {
  it('scales the comparative score with tanh and rounds to 2 decimals', () => {
    // "love" is +3 over 3 tokens: comparative 1, tanh(1) = 0.7616.
    expect(analyzeText('I love it', 'en').sentiment).toBe(0.76);
    // "great" +3, "support" +2 and "helpful" +2 over 8 tokens: 0.875 → 0.70.
    expect(analyzeText('The product is great and support was helpful', 'en').sentiment).toBe(0.7);
  });

  it('reads negative, neutral and negated English', () => {
    expect(analyzeText('Terrible, slow and confusing. I hate it.', 'en').sentiment).toBeLessThan(-0.5);
    expect(analyzeText('I used it on Tuesday for the report', 'en').sentiment).toBe(0);
    expect(analyzeText('It is good', 'en').sentiment).toBeGreaterThan(0);
    expect(analyzeText('It is not good', 'en').sentiment).toBeLessThan(0);
  });

  it('stays inside −1…1 however strong the words', () => {
    const high = analyzeText('amazing amazing superb outstanding', 'en').sentiment;
    const low = analyzeText('horrible catastrophic disaster awful', 'en').sentiment;
    expect(high).toBeGreaterThan(0.9);
    expect(high).toBeLessThanOrEqual(1);
    expect(low).toBeLessThan(-0.9);
    expect(low).toBeGreaterThanOrEqual(-1);
  });

  it('scores Spanish, French, German and Portuguese with their own words and negations', () => {
    expect(analyzeText('¡Excelente! Muy fácil de usar.', 'es').sentiment).toBeGreaterThan(0.5);
    expect(analyzeText('Es muy lento y confuso', 'es').sentiment).toBeLessThan(0);
    expect(analyzeText('No es bueno', 'es').sentiment).toBeLessThan(0);
    expect(analyzeText('No me gusta', 'es').sentiment).toBeLessThan(0);
    expect(analyzeText("C'est génial, très facile", 'fr').sentiment).toBeGreaterThan(0);
    expect(analyzeText("Ce n'est pas bon", 'fr').sentiment).toBeLessThan(0);
    expect(analyzeText('Das ist sehr gut', 'de').sentiment).toBeGreaterThan(0);
    expect(analyzeText('Das ist nicht gut', 'de').sentiment).toBeLessThan(0);
    expect(analyzeText('Das ist nicht so gut', 'de').sentiment).toBeLessThan(0);
    expect(analyzeText('Ótimo, adorei a experiência, muito fácil', 'pt').sentiment).toBeGreaterThan(0);
    expect(analyzeText('Não gostei, muito lento', 'pt-BR').sentiment).toBeLessThan(0);
    expect(analyzeText('Não é bom', 'pt').sentiment).toBeLessThan(0);
  });

  it('does not read a Spanish "no" with the English lexicon (where "no" is −1)', () => {
    expect(analyzeText('no', 'en').sentiment).toBeLessThan(0);
    expect(analyzeText('No, no lo sé', 'es').sentiment).toBe(0);
  });

  it('scores only emoji for a language without a lexicon', () => {
    expect(analyzeText('no no no terrible', 'it').sentiment).toBe(0);
    expect(analyzeText('bellissimo 😀', 'it').sentiment).toBeGreaterThan(0);
  });

  it('gives 0 for empty or punctuation-only text', () => {
    expect(analyzeText('', 'en')).toEqual({ sentiment: 0, keywords: [] });
    expect(analyzeText(' ... !!! ', 'en')).toEqual({ sentiment: 0, keywords: [] });
  });
});

describe('analyzeText keywords', () => {
  it('returns up to 5 lower-case content words, most frequent first, ties by first appearance', () => {
    const text =
      'Pricing was the main issue. The pricing page hides fees, and the onboarding emails mention pricing again. ' +
      'Onboarding felt slow; support was quick. Dashboard, exports, invoices.';
    expect(analyzeText(text, 'en').keywords).toEqual(['pricing', 'onboarding', 'main', 'issue', 'page']);
  });

  it('drops stop words, words under 3 letters and numbers', () => {
    const { keywords } = analyzeText('It is OK, I do it 3 times in 2024 and it was UX to me', 'en');
    expect(keywords).toEqual(['times']);
  });

  it('uses the stop words of the language, keeps accented words whole', () => {
    expect(analyzeText('La información que necesito para la facturación no está clara', 'es').keywords).toEqual([
      'información', 'necesito', 'facturación', 'clara',
    ]);
    expect(analyzeText("Les rapports sont lents mais l'application est utile", 'fr').keywords).toEqual([
      'rapports', 'lents', 'application', 'utile',
    ]);
    expect(analyzeText('Die Berichte sind nicht übersichtlich und der Export ist langsam', 'de').keywords).toEqual([
      'berichte', 'übersichtlich', 'export', 'langsam',
    ]);
    expect(analyzeText('Os relatórios são lentos mas a integração funciona', 'pt').keywords).toEqual([
      'relatórios', 'lentos', 'integração', 'funciona',
    ]);
  });

  it('is deterministic', () => {
    const text = 'alpha beta gamma delta epsilon zeta eta theta beta delta';
    const first = analyzeText(text, 'en').keywords;
    expect(first).toEqual(['beta', 'delta', 'alpha', 'gamma', 'epsilon']);
    for (let i = 0; i < 5; i++) expect(analyzeText(text, 'en').keywords).toEqual(first);
  });
});

describe('overallSentiment', () => {
  it('is neutral 0 without scores', () => {
    expect(overallSentiment([])).toEqual({ overall: 'neutral', score: 0 });
  });

  it('takes the mean rounded to 2 decimals', () => {
    expect(overallSentiment([0.5, 0.7])).toEqual({ overall: 'positive', score: 0.6 });
    expect(overallSentiment([0.333, 0.333, 0.334])).toEqual({ overall: 'positive', score: 0.33 });
    expect(overallSentiment([-0.4, -0.8])).toEqual({ overall: 'negative', score: -0.6 });
  });

  it('is neutral within ±0.05 inclusive and not beyond', () => {
    expect(overallSentiment([0.05]).overall).toBe('neutral');
    expect(overallSentiment([-0.05]).overall).toBe('neutral');
    expect(overallSentiment([0.5, -0.5])).toEqual({ overall: 'neutral', score: 0 });
    expect(overallSentiment([0.06]).overall).toBe('positive');
    expect(overallSentiment([-0.06]).overall).toBe('negative');
  });

  it('never reports −0 and ignores non-numbers', () => {
    expect(Object.is(overallSentiment([-0.001]).score, 0)).toBe(true);
    expect(overallSentiment([Number.NaN, 0.4])).toEqual({ overall: 'positive', score: 0.4 });
  });
});

describe('parseDevice', () => {
  it('reads Chrome on macOS as the API shows it', () => {
    const ua = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
    expect(parseDevice(ua)).toEqual({ browser: 'Chrome 120', os: 'macOS 10.15.7', type: 'desktop' });
  });

  it('tells phones and tablets from desktops', () => {
    expect(parseDevice('Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1'))
      .toEqual({ browser: 'Mobile Safari 17', os: 'iOS 17.2', type: 'mobile' });
    expect(parseDevice('Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36'))
      .toEqual({ browser: 'Chrome 120', os: 'Android 14', type: 'mobile' });
    expect(parseDevice('Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1').type)
      .toBe('tablet');
    expect(parseDevice('Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36').type)
      .toBe('tablet');
    expect(parseDevice('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0'))
      .toEqual({ browser: 'Firefox 121', os: 'Windows 10', type: 'desktop' });
  });

  it('gives the same answer for a user agent seen before, as a copy of its own', () => {
    const ua = 'Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Mobile Safari/537.36';
    const first = parseDevice(ua);
    first.browser = 'changed by a caller';
    expect(parseDevice(ua)).toEqual({ browser: 'Chrome 121', os: 'Android 14', type: 'mobile' });
  });

  it('answers nulls on a desktop for a missing or unreadable user agent', () => {
    const unknown = { browser: null, os: null, type: 'desktop' };
    expect(parseDevice(null)).toEqual(unknown);
    expect(parseDevice(undefined)).toEqual(unknown);
    expect(parseDevice('   ')).toEqual(unknown);
    expect(parseDevice('definitely not a browser')).toEqual(unknown);
  });
});

describe('insights', () => {
  const nps = (id: string, text: string, scale = { min: 0, max: 10 }): QuestionLike => ({ id, text, type: 'rating', scale });
  const categoryOf = (question: QuestionLike, value: number) =>
    insights([question], [{ questionId: question.id, value }], [], 'en').ratings[0]?.npsCategory;

  it('classifies a 0–10 recommend question: 9–10 promoter, 7–8 passive, ≤6 detractor', () => {
    const q = nps('q1', 'How likely are you to recommend us to a friend?');
    expect([10, 9, 8, 7, 6, 0].map((v) => categoryOf(q, v))).toEqual([
      'promoter', 'promoter', 'passive', 'passive', 'detractor', 'detractor',
    ]);
    expect(categoryOf(nps('q1', 'Would you recommend Parley?', { min: 1, max: 10 }), 1)).toBe('detractor');
  });

  it('recognises recommending in es, fr, de and pt', () => {
    for (const text of [
      '¿Qué probabilidad hay de que nos recomiendes?',
      'Recommanderiez-vous notre service ?',
      'Würden Sie uns weiterempfehlen?',
      'Empfiehlst du uns weiter?',
      'Você nos recomendaria a um amigo?',
    ]) {
      expect(categoryOf(nps('q', text), 9), text).toBe('promoter');
    }
  });

  it('gives no NPS category to other ratings or other scales', () => {
    const plain = insights([nps('q', 'How satisfied are you?')], [{ questionId: 'q', value: 9 }], [], 'en').ratings[0];
    expect(plain).toEqual({ questionId: 'q', question: 'How satisfied are you?', value: 9, scale: { min: 0, max: 10 } });
    expect(plain).not.toHaveProperty('npsCategory');
    expect(categoryOf(nps('q', 'Would you recommend us?', { min: 1, max: 5 }), 5)).toBeUndefined();
    expect(categoryOf(nps('q', 'Would you recommend us?', { min: 2, max: 10 }), 9)).toBeUndefined();
  });

  it('summarises ratings, choices and yes/no in question order with their latest answers', () => {
    const questions: QuestionLike[] = [
      { id: 'open', text: 'Tell us about your week', type: 'open' },
      { id: 'plan', text: 'Which plan are you on?', type: 'multiple_choice', options: ['Free', 'Pro'] },
      { id: 'ease', text: 'How easy was setup?', type: 'rating' },
      { id: 'again', text: 'Would you buy again?', type: 'yes_no' },
      { id: 'nps', text: 'How likely are you to recommend us?', type: 'rating', scale: { min: 0, max: 10 } },
      { id: 'trial', text: 'Did you start with a trial?', type: 'yes_no' },
    ];
    const answers: AnswerLike[] = [
      { questionId: 'nps', value: 6 },
      { questionId: 'again', value: true },
      { questionId: 'open', value: 'Busy' },
      { questionId: 'plan', value: 'Pro' },
      { questionId: 'ease', value: '8' },
      { questionId: 'nps', value: 9 },
      { questionId: 'trial', value: 'nein' },
      { questionId: 'ghost', value: 5 },
    ];
    const result = insights(questions, answers, [], 'en');
    expect(result.ratings).toEqual([
      // No scale: the scripts' default 1–10.
      { questionId: 'ease', question: 'How easy was setup?', value: 8, scale: { min: 1, max: 10 } },
      { questionId: 'nps', question: 'How likely are you to recommend us?', value: 9, scale: { min: 0, max: 10 }, npsCategory: 'promoter' },
    ]);
    expect(result.choices).toEqual([{ questionId: 'plan', question: 'Which plan are you on?', value: 'Pro' }]);
    expect(result.yesNo).toEqual([
      { questionId: 'again', question: 'Would you buy again?', value: true },
      { questionId: 'trial', question: 'Did you start with a trial?', value: false },
    ]);
  });

  it('skips missing, null, out-of-scale and unreadable answers', () => {
    const questions: QuestionLike[] = [
      { id: 'r1', text: 'Rate it', type: 'rating', scale: { min: 1, max: 5 } },
      { id: 'r2', text: 'Rate again', type: 'rating', scale: { min: 1, max: 5 } },
      { id: 'r3', text: 'And again', type: 'rating' },
      { id: 'c1', text: 'Pick', type: 'multiple_choice', options: ['A', 'B'] },
      { id: 'y1', text: 'Yes?', type: 'yes_no' },
      { id: 'y2', text: 'Sure?', type: 'yes_no' },
    ];
    const result = insights(questions, [
      { questionId: 'r1', value: 7 },
      { questionId: 'r2', value: 'great' },
      { questionId: 'r3', value: null },
      { questionId: 'c1', value: '   ' },
      { questionId: 'y1', value: 'maybe' },
      { questionId: 'y2', value: 'Sí' },
    ], [], 'es');
    expect(result.ratings).toEqual([]);
    expect(result.choices).toEqual([]);
    expect(result.yesNo).toEqual([{ questionId: 'y2', question: 'Sure?', value: true }]);
  });

  it('ranks up to 10 keywords over all participant texts and averages their sentiment', () => {
    const texts = [
      { text: 'Reporting is slow. Reporting exports time out.', sentiment: -0.4 },
      { text: 'Support answered fast; reporting aside, billing works.', sentiment: 0.6 },
      { text: 'Alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo', sentiment: 0.1 },
    ];
    const result = insights([], [], texts, 'en');
    expect(result.topKeywords).toEqual([
      'reporting', 'slow', 'exports', 'time', 'support', 'answered', 'fast', 'aside', 'billing', 'works',
    ]);
    expect(result.sentiment).toEqual({ overall: 'positive', score: 0.1 });
    expect(insights([], [], [], 'en')).toEqual({
      ratings: [], choices: [], yesNo: [], topKeywords: [], sentiment: { overall: 'neutral', score: 0 },
    });
  });
});
