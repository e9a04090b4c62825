export const plans = ['free', 'starter', 'professional', 'enterprise'] as const;
export type Plan = (typeof plans)[number];

/** Requests per minute per API key, by plan; enterprise may be set per organization. */
export const planRateLimits: Record<Plan, number> = {
  free: 60,
  starter: 300,
  professional: 1000,
  enterprise: 10_000,
};

export const maxEnterpriseRateLimit = 10_000;

export function rateLimitFor(plan: string, custom: number | null): number {
  if (plan === 'enterprise' && custom) return Math.min(custom, maxEnterpriseRateLimit);
  return planRateLimits[plan as Plan] ?? planRateLimits.free;
}
