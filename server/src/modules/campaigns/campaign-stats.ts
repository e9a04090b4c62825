import type { InviteStatus } from '../invites/invite-state.js';

export interface CampaignStats {
  totalInvites: number;
  completedSessions: number;
  /** Seconds from start to completion, on average. */
  averageDuration: number;
  invitesByStatus: Record<InviteStatus, number>;
  /** Invites whose email was sent, delivered, opened, clicked or bounced (each counted once). */
  emails: { sent: number; delivered: number; opened: number; clicked: number; bounced: number };
  /** delivered / sent */
  deliveryRate: number;
  /** opened / delivered */
  engagementRate: number;
  /** started / delivered */
  conversionRate: number;
  /** completed / started */
  completionRate: number;
  /** Seconds from delivery (or sending, or creation) to start; null until someone starts. */
  medianInviteToStart: number | null;
  /** Seconds from start to completion; null until someone completes. */
  medianStartToCompletion: number | null;
}

/** Reads the figures shown on each campaign, for many campaigns in one go. */
export interface CampaignStatsSource {
  forCampaigns(campaigns: Array<{ id: string; expiresAt: string | null }>): Promise<Map<string, CampaignStats>>;
}

export const emptyStats: CampaignStats = {
  totalInvites: 0,
  completedSessions: 0,
  averageDuration: 0,
  invitesByStatus: { pending: 0, started: 0, completed: 0, expired: 0, cancelled: 0 },
  emails: { sent: 0, delivered: 0, opened: 0, clicked: 0, bounced: 0 },
  deliveryRate: 0,
  engagementRate: 0,
  conversionRate: 0,
  completionRate: 0,
  medianInviteToStart: null,
  medianStartToCompletion: null,
};
