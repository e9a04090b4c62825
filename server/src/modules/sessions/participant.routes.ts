import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../core/errors.js';
import type { SessionCookies } from './session-cookie.js';
import { sessionCookieName } from './session-cookie.js';
import type { SessionFlow } from './session-flow.js';

const prefill = z
  .record(z.string().regex(/^[A-Za-z0-9_]{1,40}$/, 'prefill keys are letters, digits and _'), z.string().max(200))
  .refine((p) => Object.keys(p).length <= 20, 'at most 20 prefilled values')
  .default({});

/**
 * The participant's API, used by the interview page: no API key; the link's token opens it, and
 * a signed, HttpOnly, SameSite cookie carries the session afterwards.
 */
export function participantRoutes(deps: { flow: SessionFlow; cookies: SessionCookies; secure: boolean }): FastifyPluginAsyncZod {
  return async (app) => {
    // Set before anything runs, so error answers carry them too.
    app.addHook('onRequest', (_request, reply, done) => {
      reply.header('Cache-Control', 'no-store').header('Referrer-Policy', 'no-referrer');
      done();
    });

    const sessionOf = (request: FastifyRequest): string => {
      const id = deps.cookies.read(request.headers.cookie);
      if (!id) throw new AppError('RESOURCE_NOT_FOUND', 'No interview session here; open your interview link again', { state: 'no_session' });
      return id;
    };
    const setCookie = (reply: FastifyReply, sessionId: string) =>
      reply.header(
        'Set-Cookie',
        `${sessionCookieName}=${deps.cookies.value(sessionId)}; Path=/p; HttpOnly; SameSite=Strict; Max-Age=${90 * 86_400}${deps.secure ? '; Secure' : ''}`,
      );
    const tokenParams = z.object({ token: z.string().max(200) });
    const hide = { hide: true } as const;

    app.get('/p/invites/:token', {
      schema: { ...hide, params: tokenParams, querystring: z.object({ name: z.string().max(200).optional() }).catchall(z.string()) },
      handler: async (request) => deps.flow.open(request.params.token, request.query.name),
    });

    app.post('/p/invites/:token/start', {
      schema: { ...hide, params: tokenParams, body: z.object({ email: z.string().max(254).optional(), prefill }).strict() },
      handler: async (request, reply) => {
        const view = await deps.flow.start(request.params.token, {
          email: request.body.email,
          prefill: request.body.prefill,
          ip: request.ip ?? null,
          userAgent: request.headers['user-agent'] ?? null,
        });
        setCookie(reply, view.session.id);
        return view;
      },
    });

    app.get('/p/session', { schema: hide, handler: async (request) => deps.flow.view(sessionOf(request)) });

    app.post('/p/session/consent', {
      schema: { ...hide, body: z.object({ granted: z.boolean(), type: z.enum(['recording', 'data_processing', 'all']).default('all') }).strict() },
      handler: async (request) =>
        deps.flow.consent(sessionOf(request), { ...request.body, ip: request.ip ?? null, userAgent: request.headers['user-agent'] ?? null }),
    });

    app.post('/p/session/answer', {
      schema: {
        ...hide,
        body: z.object({ questionId: z.string().max(64), answer: z.union([z.string().max(10_000), z.number(), z.boolean(), z.null()]) }).strict(),
      },
      handler: async (request) => deps.flow.answer(sessionOf(request), { questionId: request.body.questionId, value: request.body.answer }),
    });

    app.post('/p/session/heartbeat', { schema: hide, handler: async (request) => deps.flow.heartbeat(sessionOf(request)) });
    app.post('/p/session/complete', { schema: hide, handler: async (request) => deps.flow.complete(sessionOf(request)) });
  };
}
