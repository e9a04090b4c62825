import type { FastifyRequest } from 'fastify';

/**
 * Logger options: API keys, cookies and invite tokens never reach the logs.
 * Interview links carry their token in the path, so request URLs are masked.
 */
export function maskUrl(url: string): string {
  return url
    .replace(/\/interview\/[^/?#]+/g, '/interview/[token]')
    .replace(/\/e\/(open|click|unsubscribe)\/[^/?#]+/g, '/e/$1/[token]')
    .replace(/([?&](token|key|sig)=)[^&#]*/gi, '$1[redacted]');
}

export function loggerOptions(level: string) {
  return {
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["idempotency-key"]',
        'res.headers["set-cookie"]',
        '*.apiKey',
        '*.token',
        '*.key',
      ],
      censor: '[redacted]',
    },
    serializers: {
      req(request: FastifyRequest) {
        return {
          method: request.method,
          url: maskUrl(request.url),
          remoteAddress: request.ip,
        };
      },
    },
  };
}
