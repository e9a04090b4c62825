import type { Clock } from '../../core/clock.js';
import type { CampaignStats, CampaignStatsSource } from '../campaigns/campaign-stats.js';
import { inviteStatuses, type InviteStatus } from './invite-state.js';
import type { InviteRepository } from './invite.repository.js';

/**
 * Exact per-status figures without counting a million rows: counters of stored statuses, kept
 * in the same transactions as the changes, corrected by the few open invites whose time ran
 * out since the last sweep (an index range), or all of them when the campaign itself expired.
 */
export function createInviteStats(deps: { repo: InviteRepository; clock: Clock }): CampaignStatsSource {
  return {
    async forCampaigns(campaigns) {
      const now = deps.clock.now().toISOString();
      const ids = campaigns.map((c) => c.id);
      const [stored, lapsed] = await Promise.all([deps.repo.storedCounts(ids), deps.repo.lapsedCounts(ids, now)]);
      const result = new Map<string, CampaignStats>();
      for (const campaign of campaigns) {
        const counts = Object.fromEntries(inviteStatuses.map((s) => [s, 0])) as Record<InviteStatus, number>;
        for (const row of stored) if (row.campaign_id === campaign.id) counts[row.status as InviteStatus] += Number(row.count);
        if (campaign.expiresAt !== null && campaign.expiresAt <= now) {
          counts.expired += counts.pending + counts.started;
          counts.pending = 0;
          counts.started = 0;
        } else {
          for (const row of lapsed) {
            if (row.campaign_id !== campaign.id) continue;
            counts[row.status as InviteStatus] -= row.n;
            counts.expired += row.n;
          }
        }
        result.set(campaign.id, {
          totalInvites: inviteStatuses.reduce((sum, s) => sum + counts[s], 0),
          // An invite completes when its interview does; durations arrive with sessions.
          completedSessions: counts.completed,
          averageDuration: 0,
          invitesByStatus: counts,
        });
      }
      return result;
    },
  };
}
