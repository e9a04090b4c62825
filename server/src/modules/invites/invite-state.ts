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

/** What each action may start from; every one of them follows an edge of the lifecycle above. */
const actions = {
  start: { from: ['pending'], verb: 'started' },
  complete: { from: ['started'], verb: 'completed' },
  cancel: { from: ['pending', 'started'], verb: 'cancelled' },
  extend: { from: ['pending', 'started', 'expired'], verb: 'extended' },
} as const satisfies Record<string, { from: readonly InviteStatus[]; verb: string }>;

export type InviteAction = keyof typeof actions;

/**
 * Throws the API's answer when the invite's (effective) state does not allow the action:
 * 409 INVITE_EXPIRED from expired, 409 INVALID_STATE_TRANSITION from anything else.
 */
export function assertCan(action: InviteAction, status: InviteStatus): void {
  const rule = actions[action];
  if ((rule.from as readonly InviteStatus[]).includes(status)) return;
  if (status === 'expired') {
    throw new AppError('INVITE_EXPIRED', `The invite has expired and cannot be ${rule.verb}; extend its expiry first`, { status });
  }
  throw new AppError('INVALID_STATE_TRANSITION', `A ${status} invite cannot be ${rule.verb}`, { status, action });
}

/** Refuses changes to an invite that has expired (extending is the way back). */
export function assertNotExpired(status: InviteStatus, action: string): void {
  if (status === 'expired') {
    throw new AppError('INVITE_EXPIRED', `The invite has expired and cannot be ${action}; extend its expiry first`, { status });
  }
}
