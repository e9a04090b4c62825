import { describe, expect, it } from 'vitest';
import { toSrt, toText, toVtt, type TranscriptUtterance } from './transcript-format.js';

const utterance = (over: Partial<TranscriptUtterance> & Pick<TranscriptUtterance, 'seq'>): TranscriptUtterance => ({
  speaker: 'ai',
  questionId: 'q1',
  kind: 'question',
  text: '',
  startMs: 0,
  endMs: 0,
  ...over,
});

const sample: TranscriptUtterance[] = [
  utterance({ seq: 1, text: 'How was onboarding?', startMs: 0, endMs: 2500 }),
  utterance({
    seq: 2, speaker: 'participant', kind: 'answer', text: 'Smooth, the docs were great.', startMs: 3000, endMs: 7250,
    sentiment: 0.62, keywords: ['smooth', 'docs'],
  }),
  utterance({ seq: 3, kind: 'follow_up', text: 'Anything you would change?', startMs: 65_000, endMs: 67_000 }),
  utterance({
    seq: 4, speaker: 'participant', kind: 'answer', text: 'Pricing is confusing.', startMs: 68_000, endMs: 70_500,
    sentiment: -0.4, keywords: ['pricing'],
  }),
];

describe('toText', () => {
  it('writes one block per utterance with [mm:ss] and the speaker', () => {
    expect(toText(sample, { includeSentiment: false, includeKeywords: false })).toBe(
      '[00:00] Interviewer: How was onboarding?\n\n' +
        '[00:03] Participant: Smooth, the docs were great.\n\n' +
        '[01:05] Interviewer: Anything you would change?\n\n' +
        '[01:08] Participant: Pricing is confusing.\n',
    );
  });

  it('appends sentiment and keywords only when asked and only where present', () => {
    const text = toText(sample, { includeSentiment: true, includeKeywords: true });
    expect(text).toContain('[00:03] Participant: Smooth, the docs were great.\n  Sentiment: +0.62\n  Keywords: smooth, docs\n\n');
    expect(text).toContain('[01:08] Participant: Pricing is confusing.\n  Sentiment: -0.40\n  Keywords: pricing\n');
    expect(text).toContain('[00:00] Interviewer: How was onboarding?\n\n');
    expect(toText(sample, { includeSentiment: true, includeKeywords: false })).not.toContain('Keywords');
    expect(toText(sample, { includeSentiment: false, includeKeywords: true })).not.toContain('Sentiment');
  });

  it('uses the given speaker labels', () => {
    const text = toText(sample, { includeSentiment: false, includeKeywords: false, speakerLabels: { ai: 'Entrevistador', participant: 'Jane' } });
    expect(text.startsWith('[00:00] Entrevistador: How was onboarding?\n\n[00:03] Jane: Smooth')).toBe(true);
  });

  it('orders by seq, keeps counting minutes past the hour, collapses blank lines inside a block', () => {
    const text = toText([
      utterance({ seq: 2, speaker: 'participant', text: 'First line\n\n\r\nSecond line  ', startMs: 3_723_000 }),
      utterance({ seq: 1, text: 'Question' }),
    ], { includeSentiment: false, includeKeywords: false });
    expect(text).toBe('[00:00] Interviewer: Question\n\n[62:03] Participant: First line\nSecond line\n');
  });

  it('is empty for no utterances', () => {
    expect(toText([], { includeSentiment: true, includeKeywords: true })).toBe('');
  });
});

interface ParsedCue { id: string; start: number; end: number; text: string[] }

/** A strict reader: blocks separated by one blank line; id, timing line, then non-empty text lines. */
function parseCues(body: string, fraction: ',' | '.'): ParsedCue[] {
  const f = fraction === ',' ? ',' : '\\.';
  const timing = new RegExp(`^(\\d{2,}):(\\d{2}):(\\d{2})${f}(\\d{3}) --> (\\d{2,}):(\\d{2}):(\\d{2})${f}(\\d{3})$`);
  const ms = (h: string, m: string, s: string, x: string) => ((Number(h) * 60 + Number(m)) * 60 + Number(s)) * 1000 + Number(x);
  expect(body.endsWith('\n')).toBe(true);
  return body.trimEnd().split('\n\n').map((block) => {
    const [id, time, ...text] = block.split('\n');
    const t = timing.exec(time ?? '');
    if (!id || !t) throw new Error(`bad cue: ${JSON.stringify(block)}`);
    const [, h1, m1, s1, x1, h2, m2, s2, x2] = t as unknown as string[];
    expect(text.length).toBeGreaterThan(0);
    for (const line of text) {
      expect(line.trim()).not.toBe('');
      expect(line).not.toContain('-->');
    }
    return { id, start: ms(h1!, m1!, s1!, x1!), end: ms(h2!, m2!, s2!, x2!), text };
  });
}

function expectValidTiming(cues: ParsedCue[]): void {
  cues.forEach((cue, i) => {
    expect(cue.end).toBeGreaterThan(cue.start);
    if (i > 0) expect(cue.start).toBeGreaterThanOrEqual(cues[i - 1]!.start);
  });
}

// Hostile and awkward text: blank lines, a fake cue, markup, a zero-length and a backwards line.
const awkward: TranscriptUtterance[] = [
  ...sample,
  utterance({
    seq: 5, speaker: 'participant', kind: 'answer', startMs: 71_000, endMs: 80_000,
    text: 'Line one\n\n\n2\n00:00:01,000 --> 00:00:02,000\nFake cue & <b>bold</b> -> ok',
  }),
  utterance({ seq: 6, kind: 'closing', text: 'Thanks!', startMs: 81_000, endMs: 81_000 }),
  utterance({ seq: 7, speaker: 'participant', kind: 'answer', text: 'Bye', startMs: 79_000, endMs: 3_725_004 }),
];

describe('toSrt', () => {
  it('writes numbered SubRip cues with HH:MM:SS,mmm timings and speaker prefixes', () => {
    const srt = toSrt(sample);
    expect(srt.startsWith('1\n00:00:00,000 --> 00:00:02,500\nInterviewer: How was onboarding?\n\n2\n00:00:03,000 --> 00:00:07,250\nParticipant: Smooth')).toBe(true);
    const cues = parseCues(srt, ',');
    expect(cues.map((c) => c.id)).toEqual(['1', '2', '3', '4']);
    expect(cues[2]).toEqual({ id: '3', start: 65_000, end: 67_000, text: ['Interviewer: Anything you would change?'] });
    expectValidTiming(cues);
  });

  it('stays valid with blank lines, arrows, zero-length and out-of-order times', () => {
    const cues = parseCues(toSrt(awkward), ',');
    expect(cues).toHaveLength(7);
    expect(cues.map((c) => c.id)).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    expectValidTiming(cues);
    expect(cues[4]!.text).toEqual(['Participant: Line one', '2', '00:00:01,000 -> 00:00:02,000', 'Fake cue & <b>bold</b> -> ok']);
    expect(cues[5]).toMatchObject({ start: 81_000, end: 82_000 }); // zero length → 1 s
    expect(cues[6]).toMatchObject({ start: 81_000, end: 3_725_004 }); // not before the previous cue
  });

  it('is empty for no utterances', () => {
    expect(toSrt([])).toBe('');
  });
});

describe('toVtt', () => {
  it('writes a WEBVTT file with HH:MM:SS.mmm timings and voice spans', () => {
    const vtt = toVtt(sample);
    expect(vtt.startsWith('WEBVTT\n\n1\n00:00:00.000 --> 00:00:02.500\n<v Interviewer>How was onboarding?\n\n')).toBe(true);
    const cues = parseCues(vtt.slice('WEBVTT\n\n'.length), '.');
    expect(cues).toHaveLength(4);
    expect(cues[1]).toEqual({ id: '2', start: 3000, end: 7250, text: ['<v Participant>Smooth, the docs were great.'] });
    expectValidTiming(cues);
  });

  it('escapes &, <, > and --> and keeps cues free of blank lines', () => {
    const vtt = toVtt(awkward);
    const cues = parseCues(vtt.slice('WEBVTT\n\n'.length), '.');
    expect(cues).toHaveLength(7);
    expectValidTiming(cues);
    expect(cues[4]!.text).toEqual([
      '<v Participant>Line one', '2', '00:00:01,000 --&gt; 00:00:02,000', 'Fake cue &amp; &lt;b&gt;bold&lt;/b&gt; -&gt; ok',
    ]);
    expect(cues[5]).toMatchObject({ start: 81_000, end: 82_000 });
    expect(cues[6]).toMatchObject({ start: 81_000, end: 3_725_004 });
    expect(vtt).toContain('01:02:05.004');
  });

  it('escapes custom speaker labels inside the voice tag', () => {
    const vtt = toVtt(sample.slice(0, 1), { speakerLabels: { ai: 'Bot <AI> & co', participant: 'P' } });
    expect(vtt).toContain('<v Bot &lt;AI&gt; &amp; co>How was onboarding?');
  });

  it('is a bare header for no utterances', () => {
    expect(toVtt([])).toBe('WEBVTT\n');
  });
});
