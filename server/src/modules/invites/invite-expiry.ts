import { parseDuration } from '../../core/durations.js';
import { validationError } from '../../core/errors.js';

export const defaultInviteValidity = '7d';

export interface ExpiryInput {
  expiresAt?: string | null | undefined;
  expiresIn?: string | undefined;
}

/**
 * An invite's own expiry: `expiresAt` wins over `expiresIn`, which wins over the campaign's
 * `inviteDefaults.expiresIn`, which defaults to 7 days. `never` gives null.
 */
export function resolveExpiry(input: ExpiryInput, campaignDefault: unknown, now: Date): string | null {
  if (input.expiresAt) {
    if (Date.parse(input.expiresAt) <= now.getTime()) throw validationError('expiresAt', 'expiresAt must be in the future');
    return new Date(input.expiresAt).toISOString();
  }
  const period = input.expiresIn ?? (typeof campaignDefault === 'string' ? campaignDefault : defaultInviteValidity);
  const ms = parseDuration(period);
  return ms === null ? null : new Date(now.getTime() + ms).toISOString();
}
