import type { FastifyBaseLogger } from 'fastify';
import type { FollowUpInput, Interviewer } from './interviewer.js';

export interface LlmOptions {
  baseUrl: string;
  apiKey: string | undefined;
  model: string;
  timeoutMs: number;
}

/**
 * Any OpenAI-compatible chat-completions endpoint (hosted APIs, llama.cpp, Ollama …). It
 * writes the follow-up from the script's system prompt, the question, its follow-up prompt and
 * the conversation; "NONE" means move on. On any error or timeout it hands the decision to
 * `fallback`, so a participant is never stuck.
 */
export function createLlmInterviewer(options: LlmOptions, fallback: Interviewer, logger: FastifyBaseLogger): Interviewer {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  return {
    async followUp(input: FollowUpInput) {
      const { question } = input;
      if (question.type !== 'open' || !question.followUp.enabled || input.asked >= question.followUp.maxFollowUps) return null;
      const instruction = [
        `You are interviewing a participant. Language: ${input.language}.`,
        `Current question: ${question.text}`,
        question.followUp.prompt ? `Follow-up guidance: ${question.followUp.prompt}` : '',
        `Follow-ups already asked on this question: ${input.asked} of at most ${question.followUp.maxFollowUps}.`,
        'If the last answer deserves one short follow-up question, reply with that question only.',
        'If it does not, reply with exactly NONE.',
      ].filter(Boolean).join('\n');
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}) },
          signal: AbortSignal.timeout(options.timeoutMs),
          body: JSON.stringify({
            model: options.model,
            temperature: 0.3,
            max_tokens: 120,
            messages: [
              { role: 'system', content: `${input.systemPrompt}\n\n${instruction}` },
              ...input.transcript.map((line) => ({ role: line.speaker === 'ai' ? 'assistant' : 'user', content: line.text })),
            ],
          }),
        });
        if (!response.ok) throw new Error(`chat completions answered ${response.status}`);
        const body = (await response.json()) as { choices?: Array<{ message?: { content?: unknown } }> };
        const content = body.choices?.[0]?.message?.content;
        if (typeof content !== 'string') throw new Error('chat completions answered without a message');
        const text = content.trim().replace(/^["“]|["”]$/g, '').trim();
        if (!text || /^none\.?$/i.test(text)) return null;
        return text.slice(0, 500);
      } catch (error) {
        logger.warn({ err: error }, 'LLM interviewer failed; using the built-in one');
        return fallback.followUp(input);
      }
    },
  };
}
