import { PNG } from 'pngjs';
import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import type { Insights } from '../../interviewer/analysis.js';
import { renderSessionPdf, winAnsi, type SessionPdfInput } from './session-pdf.js';

const INJECTED = '<script>alert(1)</script> %PDF';

const insights: Insights = {
  ratings: [
    { questionId: 'nps', question: 'How likely are you to recommend us?', value: 9, scale: { min: 0, max: 10 }, npsCategory: 'promoter' },
  ],
  choices: [{ questionId: 'plan', question: 'Which plan are you on?', value: 'Pro' }],
  yesNo: [{ questionId: 'again', question: 'Would you buy again?', value: true }],
  topKeywords: ['pricing', 'onboarding'],
  sentiment: { overall: 'positive', score: 0.42 },
};

function input(over: Partial<SessionPdfInput> = {}): SessionPdfInput {
  return {
    title: 'Customer feedback Q1',
    organizationName: 'Acme Research',
    branding: 'default',
    logo: null,
    session: {
      id: 'ses_m1n2o3p4',
      participantName: 'Jane Doe',
      startedAt: '2024-01-15T14:00:00Z',
      completedAt: '2024-01-15T14:12:30Z',
      duration: 750,
      language: 'en',
      sentiment: { overall: 'positive', score: 0.72 },
    },
    utterances: [
      { seq: 1, speaker: 'ai', questionId: 'q1', kind: 'question', text: 'How was onboarding?', startMs: 5000, endMs: 8000 },
      {
        seq: 2, speaker: 'participant', questionId: 'q1', kind: 'answer', startMs: 9000, endMs: 15_000, sentiment: 0.62,
        text: `It was smooth. Here is what I typed: ${INJECTED}`,
      },
      {
        seq: 3, speaker: 'participant', questionId: 'q2', kind: 'answer', startMs: 16_000, endMs: 20_000, sentiment: null,
        text: '¿Qué tal? Très bien, Größe, ação, “quoted” – 10 €',
      },
    ],
    insights,
    includeInsights: true,
    includeTimestamps: true,
    includeSentiment: true,
    ...over,
  };
}

async function read(pdf: Buffer): Promise<{ pages: string[]; all: string }> {
  const doc = await getDocumentProxy(new Uint8Array(pdf));
  const { text } = await extractText(doc, { mergePages: false });
  return { pages: text, all: text.join('\n') };
}

describe('renderSessionPdf', () => {
  it('writes a PDF with the details and the participant text drawn verbatim as text', async () => {
    const pdf = await renderSessionPdf(input());
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const { pages, all } = await read(pdf);
    expect(pages).toHaveLength(1);
    expect(all).toContain('Customer feedback Q1');
    expect(all).toContain('ses_m1n2o3p4');
    expect(all).toContain('Jane Doe');
    expect(all).toContain('2024-01-15 14:00:00 UTC');
    expect(all).toContain('12 min 30 s');
    expect(all).toContain(INJECTED);
    expect(all).toContain('¿Qué tal? Très bien, Größe, ação, “quoted” – 10 €');
  });

  it('paginates a long transcript and keeps every utterance', async () => {
    const utterances = Array.from({ length: 120 }, (_, i) => ({
      seq: i + 1,
      speaker: i % 2 === 0 ? ('ai' as const) : ('participant' as const),
      questionId: null,
      kind: i % 2 === 0 ? ('question' as const) : ('answer' as const),
      text: `Utterance number ${i + 1}. ${'A fairly long sentence about the product and its reports. '.repeat(3)}`,
      startMs: i * 10_000,
      endMs: i * 10_000 + 8000,
    }));
    const { pages, all } = await read(await renderSessionPdf(input({ utterances })));
    expect(pages.length).toBeGreaterThan(3);
    expect(all).toContain('Utterance number 1.');
    expect(all).toContain('Utterance number 120.');
    expect(pages.at(-1)).toContain(`Page ${pages.length} of ${pages.length}`);
    expect(pages[0]).toContain(`Page 1 of ${pages.length}`);
  });

  it('includes the insights section only when asked', async () => {
    const withInsights = (await read(await renderSessionPdf(input()))).all;
    expect(withInsights).toContain('Insights');
    expect(withInsights).toMatch(/How likely are you to recommend us\?: 9 \(scale 0-10\) - NPS promoter/);
    expect(withInsights).toContain('Which plan are you on?: Pro');
    expect(withInsights).toContain('Would you buy again?: Yes');
    expect(withInsights).toContain('pricing, onboarding');
    const without = (await read(await renderSessionPdf(input({ includeInsights: false })))).all;
    expect(without).not.toContain('Insights');
    expect(without).not.toContain('NPS');
    const noneKnown = (await read(await renderSessionPdf(input({ insights: null })))).all;
    expect(noneKnown).not.toContain('Insights');
  });

  it('shows [mm:ss] timestamps only when asked', async () => {
    const timed = (await read(await renderSessionPdf(input()))).all;
    expect(timed).toContain('[00:05]');
    expect(timed).toContain('[00:09]');
    const untimed = (await read(await renderSessionPdf(input({ includeTimestamps: false })))).all;
    expect(untimed).not.toMatch(/\[\d{2}:\d{2}\]/);
    expect(untimed).toContain('Participant');
  });

  it('shows sentiment indicators only when asked', async () => {
    const withSentiment = (await read(await renderSessionPdf(input()))).all;
    expect(withSentiment).toMatch(/positive \(\+0\.62\)/);
    expect(withSentiment).toMatch(/positive \(\+0\.72\)/);
    const without = (await read(await renderSessionPdf(input({ includeSentiment: false })))).all;
    expect(without).not.toMatch(/positive|\+0\.62|\+0\.72|Sentiment/);
  });

  it('brands by style: Parley header by default, organization with custom, nothing with minimal', async () => {
    const byDefault = (await read(await renderSessionPdf(input()))).all;
    expect(byDefault).toContain('Parley');
    expect(byDefault).not.toContain('Acme Research');

    const custom = (await read(await renderSessionPdf(input({ branding: 'custom' })))).all;
    expect(custom).toContain('Acme Research');
    expect(custom).not.toContain('Parley');
    expect(custom).toContain('Page 1 of 1');

    const minimal = (await read(await renderSessionPdf(input({ branding: 'minimal' })))).all;
    expect(minimal).not.toContain('Parley');
    expect(minimal).not.toContain('Acme Research');
    expect(minimal).not.toContain('Page 1');
    expect(minimal).toContain(INJECTED);
  });

  it('draws a PNG or JPEG logo with custom branding and survives a broken one', async () => {
    const png = new PNG({ width: 4, height: 4 });
    png.data.fill(200);
    const pngLogo = PNG.sync.write(png);
    const withPng = await renderSessionPdf(input({ branding: 'custom', logo: pngLogo }));
    expect(withPng.toString('latin1')).toContain('/Subtype /Image');
    expect((await read(withPng)).all).toContain('Acme Research');

    // The smallest JPEG pdfkit reads: SOI, a baseline frame header (8 bit, 1×1, 3 channels), EOI.
    const jpeg = Buffer.from('ffd8ffc0001108000100010301220002110103110100000000ffd9', 'hex');
    const withJpeg = await renderSessionPdf(input({ branding: 'custom', logo: jpeg }));
    expect(withJpeg.toString('latin1')).toMatch(/\/Filter \/DCTDecode/);

    // A logo is never drawn by the other styles.
    const defaultWithLogo = await renderSessionPdf(input({ branding: 'default', logo: pngLogo }));
    expect(defaultWithLogo.toString('latin1')).not.toContain('/Subtype /Image');

    // An RGBA PNG whose compressed pixels are garbage: pdfkit would inflate it in a callback and
    // throw out of the process, so it must be refused before pdfkit sees it.
    const corrupt = Buffer.from(pngLogo);
    const idat = corrupt.indexOf('IDAT', 0, 'latin1');
    corrupt.fill(0x5a, idat + 4, idat + 12);
    const broken = [
      Buffer.from('not an image at all, just text'),
      Buffer.concat([pngLogo.subarray(0, 40), Buffer.alloc(40)]),
      corrupt,
      Buffer.from('ffd8ff00', 'hex'),
    ];
    for (const logo of broken) {
      const pdf = await renderSessionPdf(input({ branding: 'custom', logo }));
      expect(pdf.toString('latin1')).not.toContain('/Subtype /Image');
      expect((await read(pdf)).all).toContain('Acme Research');
    }
  });

  it('replaces characters Helvetica cannot show instead of throwing', async () => {
    const utterances = [{
      seq: 1, speaker: 'participant' as const, questionId: null, kind: 'answer' as const, startMs: 0, endMs: 1000,
      text: 'Great 👍 日本 ok\u0007', sentiment: null,
    }];
    const { all } = await read(await renderSessionPdf(input({ utterances, title: 'Résumé ✓' })));
    expect(all).toContain('Great ? ?? ok?');
    expect(all).toContain('Résumé ?');
  });

  it('handles a session with no utterances and unknown details', async () => {
    const pdf = await renderSessionPdf(input({
      utterances: [],
      session: { id: 'ses_x', participantName: null, startedAt: null, completedAt: null, duration: null, language: 'fr', sentiment: null },
    }));
    const { all } = await read(pdf);
    expect(all).toContain('Anonymous');
    expect(all).toContain('No utterances recorded.');
    expect(all).not.toContain('Started');
  });
});

describe('winAnsi', () => {
  it('keeps Latin-1 and the WinAnsi extras, composes accents, replaces the rest by ?', () => {
    expect(winAnsi('ñ é ü ß ç ã œ € … — ‘’ “”')).toBe('ñ é ü ß ç ã œ € … — ‘’ “”');
    expect(winAnsi('e\u0301')).toBe('é');
    expect(winAnsi('a\tb\r\nc 🙂 Ω \u0085')).toBe('a b\nc ? ? ?');
  });
});
