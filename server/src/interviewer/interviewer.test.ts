import { createServer, type IncomingMessage, type Server } from 'node:http';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Question } from '../modules/scripts/question.schemas.js';
import { builtInInterviewer, followUpReason } from './built-in.js';
import type { FollowUpInput } from './interviewer.js';
import { createLlmInterviewer } from './llm.js';

const open: Question = {
  id: 'q1',
  text: 'Tell me about your experience.',
  type: 'open',
  required: true,
  followUp: { enabled: true, maxFollowUps: 2, prompt: 'Dig into specifics' },
  maxDuration: null,
  order: 1,
};

const input = (answer: string, extra: Partial<FollowUpInput> = {}): FollowUpInput => ({
  systemPrompt: 'You are a friendly interviewer.',
  question: open,
  answer,
  asked: 0,
  language: 'en',
  transcript: [
    { speaker: 'ai', text: open.text },
    { speaker: 'participant', text: answer },
  ],
  ...extra,
});

const long = 'We moved our whole reporting pipeline over in a week and the team now ships dashboards without waiting on me.';

describe('the built-in interviewer', () => {
  it('follows up on short, vague and emotionally loaded answers, and lets full ones stand', async () => {
    expect(followUpReason('Good.')).toBe('vague');
    expect(followUpReason('Quick setup')).toBe('short');
    expect(followUpReason('I absolutely hate the new billing page, it cost us two customers last month alone.')).toBe('loaded');
    expect(followUpReason(long)).toBeUndefined();
    expect(await builtInInterviewer.followUp(input('It was fine I guess'))).toBe('When you say "It was fine I guess", what do you mean exactly? Could you describe a specific moment?');
    expect(await builtInInterviewer.followUp(input('Quick setup'))).toBe('Could you tell me a little more about "Quick setup"? An example would help.');
    expect(await builtInInterviewer.followUp(input('I love it!'))).toBe('You said "I love it". What made you feel that strongly?');
    expect(await builtInInterviewer.followUp(input(long))).toBeNull();
  });

  it('is deterministic, speaks the campaign language, and stops at maxFollowUps', async () => {
    const a = await builtInInterviewer.followUp(input('ok', { language: 'de' }));
    expect(a).toBe(await builtInInterviewer.followUp(input('ok', { language: 'de' })));
    expect(a).toContain('Was meinen Sie genau mit „ok“?');
    expect(await builtInInterviewer.followUp(input('ok', { language: 'fr' }))).toContain('« ok »');
    // The second follow-up asks for an example instead of repeating the first.
    expect(await builtInInterviewer.followUp(input('ok', { asked: 1 }))).toContain('An example would help');
    expect(await builtInInterviewer.followUp(input('ok', { asked: 2 }))).toBeNull();
  });

  it('never follows up on closed questions, or when follow-ups are off', async () => {
    expect(await builtInInterviewer.followUp(input('ok', { question: { ...open, type: 'rating' } }))).toBeNull();
    expect(await builtInInterviewer.followUp(input('ok', { question: { ...open, followUp: { enabled: false, maxFollowUps: 2, prompt: null } } }))).toBeNull();
  });
});

/** A local server speaking the chat-completions protocol, scripted per test. */
let server: Server;
let url: string;
let reply: (body: any, request: IncomingMessage) => { status: number; body: unknown; delayMs?: number };
const received: Array<{ body: any; authorization: string | undefined }> = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    let raw = '';
    request.on('data', (c) => (raw += c));
    request.on('end', () => {
      const body = JSON.parse(raw);
      received.push({ body, authorization: request.headers.authorization });
      const { status, body: out, delayMs } = reply(body, request);
      setTimeout(() => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(out));
      }, delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const completion = (content: string) => ({ id: 'chatcmpl-1', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] });

describe('the LLM interviewer (an OpenAI-compatible endpoint)', () => {
  const logger = pino({ level: 'silent' });
  const llm = () => createLlmInterviewer({ baseUrl: url, apiKey: 'sk-test', model: 'local-model', timeoutMs: 300 }, builtInInterviewer, logger);

  it('sends the system prompt, the question, its follow-up prompt and the conversation', async () => {
    reply = () => ({ status: 200, body: completion('What exactly slowed the reporting down before the move?') });
    received.length = 0;
    const text = await llm().followUp(input('It was slow before.'));
    expect(text).toBe('What exactly slowed the reporting down before the move?');
    const { body, authorization } = received[0]!;
    expect(authorization).toBe('Bearer sk-test');
    expect(body.model).toBe('local-model');
    expect(body.messages[0].role).toBe('system');
    expect(body.messages[0].content).toContain('You are a friendly interviewer.');
    expect(body.messages[0].content).toContain('Tell me about your experience.');
    expect(body.messages[0].content).toContain('Dig into specifics');
    expect(body.messages.slice(1)).toEqual([
      { role: 'assistant', content: 'Tell me about your experience.' },
      { role: 'user', content: 'It was slow before.' },
    ]);
  });

  it('moves on when the model answers NONE', async () => {
    reply = () => ({ status: 200, body: completion('NONE') });
    expect(await llm().followUp(input(long))).toBeNull();
  });

  it('falls back to the built-in interviewer on an error, a timeout or a malformed answer', async () => {
    for (const scripted of [
      () => ({ status: 500, body: { error: { message: 'overloaded' } } }),
      () => ({ status: 200, body: completion('too late'), delayMs: 1000 }),
      () => ({ status: 200, body: { choices: [] } }),
    ]) {
      reply = scripted;
      expect(await llm().followUp(input('It was fine I guess'))).toBe(await builtInInterviewer.followUp(input('It was fine I guess')));
    }
    const unreachable = createLlmInterviewer({ baseUrl: 'http://127.0.0.1:1/v1', apiKey: undefined, model: 'm', timeoutMs: 300 }, builtInInterviewer, logger);
    expect(await unreachable.followUp(input('ok'))).toBe(await builtInInterviewer.followUp(input('ok')));
  });

  it('is not asked at all for closed questions or once follow-ups are used up', async () => {
    received.length = 0;
    reply = () => ({ status: 200, body: completion('Why?') });
    expect(await llm().followUp(input('8', { question: { ...open, type: 'rating' } }))).toBeNull();
    expect(await llm().followUp(input('ok', { asked: 2 }))).toBeNull();
    expect(received).toHaveLength(0);
  });
});
