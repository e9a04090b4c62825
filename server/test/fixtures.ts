import { expect } from 'vitest';
import type { Api } from './app.js';

export const sampleQuestions = [
  {
    id: 'q1',
    text: 'Tell me about your experience using our product.',
    type: 'open',
    followUp: { enabled: true, maxFollowUps: 2, prompt: 'Dig deeper into their specific experience' },
  },
  { id: 'q2', text: 'How likely are you to recommend us?', type: 'rating' },
  { id: 'q3', text: 'Which plan are you on?', type: 'multiple_choice', options: ['Free', 'Pro', 'Enterprise'] },
  { id: 'q4', text: 'Would you join a follow-up study?', type: 'yes_no', required: false },
];

export function scriptBody(overrides: Record<string, unknown> = {}) {
  return {
    name: 'Customer Satisfaction Script',
    systemPrompt: 'You are a friendly interviewer conducting a customer satisfaction survey.',
    questions: sampleQuestions,
    settings: { maxFollowUps: 2, language: 'en' },
    ...overrides,
  };
}

export async function createScript(api: Api, overrides: Record<string, unknown> = {}) {
  const res = await api.post('/v1/scripts', scriptBody(overrides));
  expect(res.status, res.raw).toBe(201);
  return res.body;
}

export async function createPublishedScript(api: Api, overrides: Record<string, unknown> = {}) {
  const script = await createScript(api, overrides);
  const res = await api.post(`/v1/scripts/${script.id}/publish`);
  expect(res.status, res.raw).toBe(200);
  return res.body;
}

export async function createCampaign(api: Api, overrides: Record<string, unknown> = {}) {
  const scriptId = (overrides.scriptId as string | undefined) ?? (await createPublishedScript(api)).id;
  const res = await api.post('/v1/campaigns', { name: 'Q1 Customer Feedback', scriptId, ...overrides });
  expect(res.status, res.raw).toBe(201);
  return res.body;
}
