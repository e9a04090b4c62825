import type { UtteranceLike } from '../../interviewer/analysis.js';

export type TranscriptUtterance = UtteranceLike & { sentiment?: number | null; keywords?: string[] | null };

export interface SpeakerLabels {
  ai: string;
  participant: string;
}

export const defaultSpeakerLabels: SpeakerLabels = { ai: 'Interviewer', participant: 'Participant' };

// A cue must end after it starts; an utterance recorded without duration is shown for this long.
const MIN_CUE_MS = 1000;

/** Transcript order is the utterance sequence, whatever order the caller's rows came in. */
function inOrder(utterances: TranscriptUtterance[]): TranscriptUtterance[] {
  return [...utterances].sort((a, b) => a.seq - b.seq);
}

const msOf = (n: number): number => (Number.isFinite(n) && n > 0 ? Math.floor(n) : 0);
const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** [mm:ss] from the start of the session; minutes keep counting past the hour (75:03). */
export function clock(ms: number): string {
  const seconds = Math.floor(msOf(ms) / 1000);
  return `${pad(Math.floor(seconds / 60))}:${pad(seconds % 60)}`;
}

/** Plain text: one block per utterance, blocks separated by a blank line. */
export function toText(
  utterances: TranscriptUtterance[],
  options: { includeSentiment: boolean; includeKeywords: boolean; speakerLabels?: SpeakerLabels },
): string {
  const labels = options.speakerLabels ?? defaultSpeakerLabels;
  return inOrder(utterances)
    .map((u) => {
      // Blank lines inside an answer would read as the end of the block.
      const lines = [`[${clock(u.startMs)}] ${labels[u.speaker]}: ${nonEmptyLines(u.text).join('\n')}`.trimEnd()];
      if (options.includeSentiment && typeof u.sentiment === 'number' && Number.isFinite(u.sentiment)) {
        lines.push(`  Sentiment: ${signed(u.sentiment)}`);
      }
      if (options.includeKeywords && u.keywords && u.keywords.length > 0) {
        lines.push(`  Keywords: ${u.keywords.join(', ')}`);
      }
      return lines.join('\n');
    })
    .join('\n\n')
    .concat(utterances.length > 0 ? '\n' : '');
}

/** +0.62 / -0.40 / 0.00: the sign shows the tone at a glance. */
export function signed(score: number): string {
  const fixed = score.toFixed(2);
  return score > 0 ? `+${fixed}` : fixed === '-0.00' ? '0.00' : fixed;
}

function nonEmptyLines(text: string): string[] {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '');
}

interface Cue {
  startMs: number;
  endMs: number;
  speaker: string;
  lines: string[];
}

/**
 * Cue timing: starts never go backwards (players expect ascending cues) and every cue lasts at
 * least MIN_CUE_MS, so zero-length or clock-skewed utterances still make a valid file.
 */
function cues(utterances: TranscriptUtterance[], labels: SpeakerLabels): Cue[] {
  let previousStart = 0;
  return inOrder(utterances).map((u) => {
    const startMs = Math.max(msOf(u.startMs), previousStart);
    previousStart = startMs;
    const endMs = Math.max(msOf(u.endMs), startMs + MIN_CUE_MS);
    return { startMs, endMs, speaker: labels[u.speaker], lines: nonEmptyLines(u.text) };
  });
}

function timestamp(ms: number, fraction: ',' | '.'): string {
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor(ms / 60_000) % 60;
  const s = Math.floor(ms / 1000) % 60;
  return `${pad(h)}:${pad(m)}:${pad(s)}${fraction}${pad(ms % 1000, 3)}`;
}

/**
 * SubRip. It has no escaping, and lenient players take any line holding "-->" for a timing
 * line, so that arrow is written as "->" inside cue text.
 */
export function toSrt(utterances: TranscriptUtterance[], options: { speakerLabels?: SpeakerLabels } = {}): string {
  return cues(utterances, options.speakerLabels ?? defaultSpeakerLabels)
    .map((cue, i) => {
      const text = [`${cue.speaker}: ${cue.lines[0] ?? ''}`.trimEnd(), ...cue.lines.slice(1)]
        .map((line) => line.replace(/-->/g, '->'))
        .join('\n');
      return `${i + 1}\n${timestamp(cue.startMs, ',')} --> ${timestamp(cue.endMs, ',')}\n${text}\n`;
    })
    .join('\n');
}

/** WebVTT with the speaker as a voice span; escaping "<" and ">" also defuses "-->". */
export function toVtt(utterances: TranscriptUtterance[], options: { speakerLabels?: SpeakerLabels } = {}): string {
  const body = cues(utterances, options.speakerLabels ?? defaultSpeakerLabels).map((cue, i) => {
    const text = cue.lines.map(escapeVtt).join('\n');
    return `${i + 1}\n${timestamp(cue.startMs, '.')} --> ${timestamp(cue.endMs, '.')}\n<v ${escapeVtt(cue.speaker)}>${text}\n`;
  });
  return ['WEBVTT\n', ...body].join('\n');
}

function escapeVtt(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
