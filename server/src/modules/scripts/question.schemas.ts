import { z } from 'zod';

export const questionTypes = ['open', 'rating', 'multiple_choice', 'yes_no'] as const;
export type QuestionType = (typeof questionTypes)[number];

export const defaultScale = { min: 1, max: 10 } as const;
export const defaultMaxFollowUps = 2;

/** A question as a client sends it; `normalizeQuestions` fills in defaults and order. */
export const questionInput = z
  .object({
    id: z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9_.-]+$/, 'id may use letters, digits, _ . and -'),
    text: z.string().trim().min(1, 'text must not be empty').max(2000),
    type: z.enum(questionTypes),
    required: z.boolean().optional(),
    followUp: z
      .object({
        enabled: z.boolean().optional(),
        maxFollowUps: z.number().int().min(0).max(5).optional(),
        prompt: z.string().trim().max(2000).nullable().optional(),
      })
      .strict()
      .optional(),
    maxDuration: z.number().int().min(5).max(7200).nullable().optional().describe('Max response time in seconds'),
    order: z.number().int().min(0).max(1_000_000).optional(),
    options: z.array(z.string().trim().min(1).max(200)).min(2).max(20).optional().describe('Choices of a multiple_choice question'),
    scale: z
      .object({ min: z.number().int().min(0).max(99), max: z.number().int().min(1).max(100) })
      .strict()
      .refine((s) => s.max > s.min && s.max - s.min <= 20, 'scale.max must be above scale.min, at most 20 steps apart')
      .optional()
      .describe('Range of a rating question; default 1-10'),
  })
  .strict()
  .superRefine((q, ctx) => {
    if (q.type === 'multiple_choice') {
      if (!q.options) ctx.addIssue({ code: 'custom', path: ['options'], message: 'a multiple_choice question needs options' });
      else if (new Set(q.options.map((o) => o.toLowerCase())).size !== q.options.length) {
        ctx.addIssue({ code: 'custom', path: ['options'], message: 'options must be distinct' });
      }
    } else if (q.options) {
      ctx.addIssue({ code: 'custom', path: ['options'], message: 'only multiple_choice questions have options' });
    }
    if (q.scale && q.type !== 'rating') {
      ctx.addIssue({ code: 'custom', path: ['scale'], message: 'only rating questions have a scale' });
    }
    if (q.followUp?.enabled && q.type !== 'open') {
      ctx.addIssue({ code: 'custom', path: ['followUp', 'enabled'], message: 'follow-ups are only asked on open questions' });
    }
  });

export const questionsInput = z
  .array(questionInput)
  .max(200)
  .superRefine((qs, ctx) => {
    const seen = new Set<string>();
    qs.forEach((q, i) => {
      if (seen.has(q.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate question id ${q.id}` });
      seen.add(q.id);
    });
  });

export type QuestionInput = z.infer<typeof questionInput>;

export const questionSchema = z
  .object({
    id: z.string(),
    text: z.string(),
    type: z.enum(questionTypes),
    required: z.boolean(),
    followUp: z.object({ enabled: z.boolean(), maxFollowUps: z.number().int(), prompt: z.string().nullable() }),
    maxDuration: z.number().int().nullable(),
    order: z.number().int(),
    options: z.array(z.string()).optional(),
    scale: z.object({ min: z.number().int(), max: z.number().int() }).optional(),
  })
  .meta({ id: 'Question' });

export type Question = z.infer<typeof questionSchema>;

/**
 * Fills defaults (required, follow-up, rating scale) and assigns `order` where it is missing:
 * after the highest order given so far, so array order is kept. Sorted by order, stably.
 */
export function normalizeQuestions(input: QuestionInput[]): Question[] {
  let last = 0;
  const withOrder = input.map((q, index) => {
    const order = q.order ?? last + 1;
    last = Math.max(last, order);
    const question: Question = {
      id: q.id,
      text: q.text,
      type: q.type,
      required: q.required ?? true,
      followUp: {
        enabled: q.followUp?.enabled ?? false,
        maxFollowUps: q.followUp?.maxFollowUps ?? defaultMaxFollowUps,
        prompt: q.followUp?.prompt ?? null,
      },
      maxDuration: q.maxDuration ?? null,
      order,
    };
    if (q.type === 'multiple_choice') question.options = q.options ?? [];
    if (q.type === 'rating') question.scale = q.scale ?? { ...defaultScale };
    return { question, index };
  });
  withOrder.sort((a, b) => a.question.order - b.question.order || a.index - b.index);
  return withOrder.map((w) => w.question);
}
