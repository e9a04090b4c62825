export interface CampaignStats {
  totalInvites: number;
  completedSessions: number;
  averageDuration: number;
}

/** Reads the figures shown on each campaign, for many campaigns in one go. */
export interface CampaignStatsSource {
  forCampaigns(campaignIds: string[]): Promise<Map<string, CampaignStats>>;
}

export const emptyStats: CampaignStats = { totalInvites: 0, completedSessions: 0, averageDuration: 0 };

/**
 * The figures before invites and sessions exist: every campaign starts at zero. The invites
 * and sessions modules provide the real source when they arrive.
 */
export const noActivityStats: CampaignStatsSource = {
  async forCampaigns(ids) {
    return new Map(ids.map((id) => [id, { ...emptyStats }]));
  },
};
