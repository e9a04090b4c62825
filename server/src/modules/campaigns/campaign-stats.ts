import type { InviteStatus } from '../invites/invite-state.js';

export interface CampaignStats {
  totalInvites: number;
  completedSessions: number;
  averageDuration: number;
  invitesByStatus: Record<InviteStatus, number>;
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
};
