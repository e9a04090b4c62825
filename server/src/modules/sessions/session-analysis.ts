import type { Db } from '../../db/database.js';
import { parseJson, toJson } from '../../db/database.js';
import { analyzeText, insights } from '../../interviewer/analysis.js';
import type { ScriptService } from '../scripts/script.service.js';
import { createSessionRepository } from './session.repository.js';

/**
 * What a completed session teaches: sentiment and keywords per participant line, the session's
 * overall sentiment, and insights (ratings with NPS, choices, yes/no, keywords).
 */
export function createSessionAnalysis(deps: { db: Db; scripts: ScriptService }) {
  return async function analyze(sessionId: string): Promise<void> {
    const repo = createSessionRepository(deps.db.kysely);
    const session = await repo.findById(sessionId);
    if (!session) return;
    const version = await deps.scripts.versionById(session.organization_id, session.script_version_id);
    const utterances = await repo.utterances(sessionId);
    const participant = utterances.filter((u) => u.speaker === 'participant');
    const scored: Array<{ text: string; sentiment: number }> = [];
    await deps.db.kysely.transaction().execute(async (trx) => {
      const r = createSessionRepository(trx);
      for (const u of participant) {
        const { sentiment, keywords } = analyzeText(u.text, session.language);
        scored.push({ text: u.text, sentiment });
        await r.updateUtterance(u.id, { sentiment, keywords: toJson(keywords) });
      }
      // The structured answers: each question's first participant line (its answer; later ones answer follow-ups).
      const answers = new Map<string, string | number | boolean | null>();
      for (const u of participant) {
        const value = parseJson<{ value: string | number | boolean | null } | null>(u.value)?.value ?? null;
        if (u.question_id && u.kind === 'answer' && !answers.has(u.question_id)) answers.set(u.question_id, value);
      }
      const found = insights(
        version?.questions ?? [],
        [...answers].map(([questionId, value]) => ({ questionId, value })),
        scored,
        session.language,
      );
      // The session's overall sentiment is the one its insights carry (the device was stored at start).
      await r.update(sessionId, {}, { sentiment: toJson(found.sentiment), analysis: toJson(found) });
    });
  };
}
