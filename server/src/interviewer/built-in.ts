import type { FollowUpInput, Interviewer } from './interviewer.js';

/**
 * The interviewer that needs no network: deterministic, so it can be tested exactly. It asks
 * a follow-up when an answer is short, vague or emotionally loaded, phrased from the answer
 * itself (and it never asks twice the same way on one question).
 */
const vague = /\b(fine|ok|okay|good|bad|nothing|not sure|maybe|depends|i guess|dunno|don't know|idk|normal|whatever|bien|nada|quizás|no sé|ça va|rien|peut-être|je ne sais pas|gut|nichts|vielleicht|weiß nicht|bom|nada|talvez|não sei)\b/i;
const loaded = /\b(love[ds]?|hate[ds]?|terrible|awful|amazing|awesome|horrible|furious|angry|frustrat\w*|annoy\w*|disappoint\w*|fantastic|worst|best|excellent|painful|odio|encanta|horrible|frustrante|adore|déteste|horrible|génial|liebe|hasse|schrecklich|toll|frustrierend|adoro|odeio|péssimo|ótimo)\b/i;

type Reason = 'short' | 'vague' | 'loaded';

const phrasing: Record<string, Record<Reason, (quote: string) => string>> = {
  en: {
    loaded: (q) => `You said "${q}". What made you feel that strongly?`,
    vague: (q) => `When you say "${q}", what do you mean exactly? Could you describe a specific moment?`,
    short: (q) => `Could you tell me a little more about "${q}"? An example would help.`,
  },
  es: {
    loaded: (q) => `Dijiste "${q}". ¿Qué te hizo sentirlo con tanta fuerza?`,
    vague: (q) => `Cuando dices "${q}", ¿a qué te refieres exactamente? ¿Podrías describir un momento concreto?`,
    short: (q) => `¿Podrías contarme un poco más sobre "${q}"? Un ejemplo ayudaría.`,
  },
  fr: {
    loaded: (q) => `Vous avez dit « ${q} ». Qu’est-ce qui vous a fait ressentir cela si fortement ?`,
    vague: (q) => `Quand vous dites « ${q} », que voulez-vous dire exactement ? Pourriez-vous décrire un moment précis ?`,
    short: (q) => `Pourriez-vous m’en dire un peu plus sur « ${q} » ? Un exemple aiderait.`,
  },
  de: {
    loaded: (q) => `Sie sagten „${q}“. Was hat dieses starke Gefühl ausgelöst?`,
    vague: (q) => `Was meinen Sie genau mit „${q}“? Können Sie eine konkrete Situation beschreiben?`,
    short: (q) => `Können Sie mir etwas mehr über „${q}“ erzählen? Ein Beispiel würde helfen.`,
  },
  pt: {
    loaded: (q) => `Disse "${q}". O que o fez sentir isso com tanta força?`,
    vague: (q) => `Quando diz "${q}", o que quer dizer exatamente? Pode descrever um momento concreto?`,
    short: (q) => `Pode contar-me um pouco mais sobre "${q}"? Um exemplo ajudaria.`,
  },
};

const shortAnswerWords = 8;

/** Why an answer deserves a follow-up, or undefined when it stands on its own. */
export function followUpReason(answer: string): Reason | undefined {
  const text = answer.trim();
  if (loaded.test(text)) return 'loaded';
  if (vague.test(text) && text.split(/\s+/).length < 25) return 'vague';
  if (text.split(/\s+/).filter(Boolean).length < shortAnswerWords) return 'short';
  return undefined;
}

function quote(answer: string): string {
  const text = answer.trim().replace(/\s+/g, ' ');
  const match = loaded.exec(text) ?? vague.exec(text);
  if (text.length <= 60) return text.replace(/[.!?]+$/, '');
  if (match) {
    const start = Math.max(0, match.index - 20);
    return `…${text.slice(start, match.index + match[0].length + 20).trim()}…`;
  }
  return `${text.slice(0, 57).trim()}…`;
}

export const builtInInterviewer: Interviewer = {
  async followUp(input) {
    const { question, asked } = input;
    if (question.type !== 'open' || !question.followUp.enabled || asked >= question.followUp.maxFollowUps) return null;
    const reason = followUpReason(input.answer);
    if (!reason) return null;
    const words = phrasing[input.language] ?? phrasing.en!;
    // A second follow-up on the same question asks for an example rather than repeating itself.
    const chosen: Reason = asked > 0 && reason !== 'short' ? 'short' : reason;
    return words[chosen](quote(input.answer));
  },
};
