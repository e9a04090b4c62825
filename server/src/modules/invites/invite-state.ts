import { AppError } from '../../core/errors.js';

export const inviteStatuses = ['pending', 'started', 'completed', 'expired', 'cancelled'] as const;
export type InviteStatus = (typeof inviteStatuses)[number];

/** Statuses in which the link still works (unless time has run out). */
export const openStatuses = ['pending', 'started'] as const satisfies readonly InviteStatus[];

/**
 * The invite lifecycle. `expired` is reached by time (derived at read, then swept), and left
 * only by extending the expiry; `cancelled` and `completed` are final.
 */
const transitions: Record<InviteStatus, readonly InviteStatus[]> = {
  pending: ['started', 'expired', 'cancelled'],
  started: ['completed', 'expired', 'cancelled'],
  expired: ['pending', 'started'],
  completed: [],
  cancelled: [],
};

export function canTransition(from: InviteStatus, to: InviteStatus): boolean {
  return transitions[from].includes(to);
}

/** The earlier of the invite's own expiry and its campaign's; null when neither expires. */
export function effectiveExpiry(inviteExpiresAt: string | null, campaignExpiresAt: string | null): string | null {
  if (!inviteExpiresAt) return campaignExpiresAt;
  if (!campaignExpiresAt) return inviteExpiresAt;
  return inviteExpiresAt < campaignExpiresAt ? inviteExpiresAt : campaignExpiresAt;
}

/** What a reader sees: an open invite past its effective expiry is expired, swept or not. */
export function effectiveStatus(stored: InviteStatus, expiresAt: string | null, now: Date): InviteStatus {
  if ((stored === 'pending' || stored === 'started') && expiresAt !== null && Date.parse(expiresAt) <= now.getTime()) {
    return 'expired';
  }
  return stored;
}

/** Throws the API's answer for an action the invite's current state does not allow. */
export function assertTransition(from: InviteStatus, to: InviteStatus, action: string): void {
  if (canTransition(from, to)) return;
  if (from === 'expired') {
    throw new AppError('INVITE_EXPIRED', `The invite has expired and cannot be ${action}; extend its expiry first`, {
      status: from,
    });
  }
  throw new AppError('INVALID_STATE_TRANSITION', `A ${from} invite cannot be ${action}`, { status: from, wanted: to });
}

/** Refuses changes to an invite that has expired (extending is the way back). */
export function assertNotExpired(status: InviteStatus, action: string): void {
  if (status === 'expired') {
    throw new AppError('INVITE_EXPIRED', `The invite has expired and cannot be ${action}; extend its expiry first`, { status });
  }
}
