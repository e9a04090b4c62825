import type { Clock } from '../../core/clock.js';
import type { RateLimitStore } from './rate-limit.store.js';

export interface RateLimitResult {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Epoch seconds at which the current window ends. */
  resetAt: number;
  /** Whole seconds until the window ends (at least 1). */
  retryAfter: number;
}

export const rateLimitWindowMs = 60_000;

export function createRateLimiter(store: RateLimitStore, clock: Clock, windowMs = rateLimitWindowMs) {
  return {
    async hit(bucket: string, limit: number): Promise<RateLimitResult> {
      const now = clock.now().getTime();
      const windowStart = now - (now % windowMs);
      const count = await store.increment(bucket, windowStart, windowMs);
      const windowEnd = windowStart + windowMs;
      return {
        allowed: count <= limit,
        limit,
        remaining: Math.max(0, limit - count),
        resetAt: Math.ceil(windowEnd / 1000),
        retryAfter: Math.max(1, Math.ceil((windowEnd - now) / 1000)),
      };
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
