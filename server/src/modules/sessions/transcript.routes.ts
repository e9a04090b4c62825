import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { fetchPublicImage } from '../../adapters/http/public-image.js';
import { parseJson } from '../../db/database.js';
import { commonErrors } from '../../http/schemas.js';
import type { Insights } from '../../interviewer/analysis.js';
import type { OrganizationService } from '../organizations/organization.service.js';
import { redactPii } from './pii.js';
import { renderSessionPdf } from './session-pdf.js';
import type { SessionService } from './session.service.js';
import { sessionParams } from './session.schemas.js';
import { createSessionRepository } from './session.repository.js';
import { toSrt, toText, toVtt, type TranscriptUtterance } from './transcript-format.js';
import type { Db } from '../../db/database.js';
import type { CampaignService } from '../campaigns/campaign.service.js';

const flag = (fallback: boolean) => z.enum(['true', 'false']).optional().transform((v) => (v === undefined ? fallback : v === 'true'));

const transcriptQuery = z
  .object({
    format: z.enum(['json', 'text', 'srt', 'vtt']).default('json'),
    include_sentiment: flag(true),
    include_keywords: flag(false),
    redact_pii: flag(false),
    speaker: z.enum(['ai', 'participant', 'all']).default('all'),
  })
  .strict();

const pdfQuery = z
  .object({
    include_insights: flag(true),
    include_timestamps: flag(true),
    include_sentiment: flag(true),
    branding: z.enum(['default', 'minimal', 'custom']).default('default'),
  })
  .strict();

const labels: Record<string, { ai: string; participant: string }> = {
  en: { ai: 'Interviewer', participant: 'Participant' },
  es: { ai: 'Entrevistador', participant: 'Participante' },
  fr: { ai: 'Intervieweur', participant: 'Participant' },
  de: { ai: 'Interviewer', participant: 'Teilnehmer' },
  pt: { ai: 'Entrevistador', participant: 'Participante' },
};

/** A session's transcript in four formats, and its PDF. */
export function transcriptRoutes(deps: { db: Db; sessions: SessionService; organizations: OrganizationService; campaigns: CampaignService }): FastifyPluginAsyncZod {
  return async (app) => {
    const repo = createSessionRepository(deps.db.kysely);

    async function lines(organizationId: string, sessionId: string, redact: boolean) {
      const session = await deps.sessions.row(organizationId, sessionId);
      const names = [session.participant_name].filter((n): n is string => !!n);
      const utterances: TranscriptUtterance[] = (await repo.utterances(sessionId)).map((u) => ({
        seq: u.seq,
        speaker: u.speaker as 'ai' | 'participant',
        questionId: u.question_id,
        kind: u.kind as TranscriptUtterance['kind'],
        text: redact ? redactPii(u.text, { names }) : u.text,
        startMs: u.start_ms,
        endMs: u.end_ms,
        sentiment: u.sentiment,
        keywords: parseJson<string[] | null>(u.keywords),
      }));
      return { session, utterances };
    }

    app.get('/sessions/:sessionId/transcript', {
      config: { scope: 'sessions:read' },
      schema: {
        tags: ['Sessions'],
        summary: 'Retrieve the transcript of a session (json, text, srt or vtt)',
        params: sessionParams,
        querystring: transcriptQuery,
        response: { 200: z.any(), ...commonErrors },
      },
      handler: async (request, reply) => {
        const q = request.query;
        const { session, utterances: all } = await lines(request.auth.organizationId, request.params.sessionId, q.redact_pii);
        const utterances = q.speaker === 'all' ? all : all.filter((u) => u.speaker === q.speaker);
        const speakerLabels = labels[session.language] ?? labels.en!;
        if (q.format === 'json') {
          return {
            sessionId: session.id,
            status: session.status,
            language: session.language,
            utterances: utterances.map((u) => ({
              seq: u.seq,
              speaker: u.speaker,
              questionId: u.questionId,
              kind: u.kind,
              text: u.text,
              startMs: u.startMs,
              endMs: u.endMs,
              ...(q.include_sentiment ? { sentiment: u.sentiment ?? null } : {}),
              ...(q.include_keywords ? { keywords: u.keywords ?? [] } : {}),
            })),
          };
        }
        const [type, body] =
          q.format === 'text'
            ? ['text/plain; charset=utf-8', toText(utterances, { includeSentiment: q.include_sentiment, includeKeywords: q.include_keywords, speakerLabels })]
            : q.format === 'srt'
              ? ['application/x-subrip; charset=utf-8', toSrt(utterances, { speakerLabels })]
              : ['text/vtt; charset=utf-8', toVtt(utterances, { speakerLabels })];
        return reply
          .header('Content-Type', type)
          .header('Content-Disposition', `inline; filename="${session.id}.${q.format === 'text' ? 'txt' : q.format}"`)
          .send(body);
      },
    });

    app.get('/sessions/:sessionId/pdf', {
      config: { scope: 'sessions:read' },
      schema: {
        tags: ['Sessions'],
        summary: 'Generate and download a formatted PDF transcript',
        params: sessionParams,
        querystring: pdfQuery,
        response: { 200: z.any().describe('application/pdf'), ...commonErrors },
      },
      handler: async (request, reply) => {
        const q = request.query;
        const { session, utterances } = await lines(request.auth.organizationId, request.params.sessionId, false);
        const organization = await deps.organizations.get(request.auth.organizationId);
        const campaign = await deps.campaigns.load(request.auth.organizationId, session.campaign_id);
        const pdf = await renderSessionPdf({
          title: campaign.name,
          organizationName: organization.name,
          branding: q.branding,
          logo: q.branding === 'custom' ? await fetchPublicImage(organization.logo) : null,
          session: {
            id: session.id,
            participantName: session.participant_name,
            startedAt: session.started_at,
            completedAt: session.completed_at,
            duration: session.duration_seconds,
            language: session.language,
            sentiment: parseJson<{ overall: string; score: number } | null>(session.sentiment),
          },
          utterances,
          insights: parseJson<Insights | null>(session.analysis),
          includeInsights: q.include_insights,
          includeTimestamps: q.include_timestamps,
          includeSentiment: q.include_sentiment,
        });
        return reply
          .header('Content-Type', 'application/pdf')
          .header('Content-Disposition', `attachment; filename="${session.id}.pdf"`)
          .send(pdf);
      },
    });
  };
}
