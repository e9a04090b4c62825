import { sql } from 'kysely';
import type { Clock } from '../../core/clock.js';
import type { Db } from '../../db/database.js';
import type { CampaignStats, CampaignStatsSource } from '../campaigns/campaign-stats.js';
import { inviteStatuses, type InviteStatus } from './invite-state.js';
import { createInviteRepository } from './invite.repository.js';

const ratio = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : 0);

/**
 * Exact per-status figures without counting a million rows: counters of stored statuses, kept
 * in the same transactions as the changes, corrected by the few open invites whose time ran
 * out since the last sweep (an index range), or all of them when the campaign itself expired.
 * Email figures come from `email:*` counters (each invite counted once), and the medians walk
 * an index of per-invite durations.
 */
export function createInviteStats(deps: { db: Db; clock: Clock }): CampaignStatsSource {
  const repo = createInviteRepository(deps.db.kysely, deps.db.dialect);
  const db = deps.db.kysely;

  type Duration = 'start_delay_ms' | 'completion_ms';

  /**
   * How many invites of each campaign know a duration, and their total: one query for all the
   * campaigns of a page, along the (campaign_id, duration) index.
   */
  async function known(ids: string[], column: Duration): Promise<Map<string, { n: number; total: number }>> {
    if (ids.length === 0) return new Map();
    const rows = await db
      .selectFrom('invites')
      .select(['campaign_id', (eb) => eb.fn.countAll<number>().as('n'), sql<number>`sum(${sql.ref(column)})`.as('total')])
      .where('campaign_id', 'in', ids)
      .where(column, 'is not', null)
      .groupBy('campaign_id')
      .execute();
    return new Map(rows.map((r) => [r.campaign_id, { n: Number(r.n), total: Number(r.total) }]));
  }

  /** Median of a per-invite duration (milliseconds) among `count` known ones; null when none is. */
  async function median(campaignId: string, column: Duration, count: number): Promise<number | null> {
    if (count === 0) return null;
    const middle = await db
      .selectFrom('invites')
      .select(column)
      .where('campaign_id', '=', campaignId)
      .where(column, 'is not', null)
      .orderBy(column)
      .limit(count % 2 === 0 ? 2 : 1)
      .offset(Math.floor((count - 1) / 2))
      .execute();
    const values = middle.map((r) => Number(r[column]));
    return values.reduce((a, b) => a + b, 0) / values.length;
  }

  return {
    async forCampaigns(campaigns) {
      const now = deps.clock.now().toISOString();
      const ids = campaigns.map((c) => c.id);
      const [stored, lapsed, delays, completions] = await Promise.all([
        repo.storedCounts(ids),
        repo.lapsedCounts(ids, now),
        known(ids, 'start_delay_ms'),
        known(ids, 'completion_ms'),
      ]);
      const result = new Map<string, CampaignStats>();
      for (const campaign of campaigns) {
        const counts = Object.fromEntries(inviteStatuses.map((s) => [s, 0])) as Record<InviteStatus, number>;
        const other: Record<string, number> = {};
        for (const row of stored) {
          if (row.campaign_id !== campaign.id) continue;
          if (row.status in counts) counts[row.status as InviteStatus] += Number(row.count);
          else other[row.status] = Number(row.count);
        }
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
        const emails = {
          sent: other['email:sent'] ?? 0,
          delivered: other['email:delivered'] ?? 0,
          opened: other['email:opened'] ?? 0,
          clicked: other['email:clicked'] ?? 0,
          bounced: other['email:bounced'] ?? 0,
        };
        const started = other['ever:started'] ?? 0;
        const completed = completions.get(campaign.id) ?? { n: 0, total: 0 };
        const [toStart, toComplete] = await Promise.all([
          median(campaign.id, 'start_delay_ms', delays.get(campaign.id)?.n ?? 0),
          median(campaign.id, 'completion_ms', completed.n),
        ]);
        // Average start-to-completion time, in seconds.
        const average = completed.n === 0 ? 0 : Math.round(completed.total / completed.n / 1000);
        result.set(campaign.id, {
          totalInvites: inviteStatuses.reduce((sum, s) => sum + counts[s], 0),
          // An invite completes when its interview does.
          completedSessions: counts.completed,
          averageDuration: average,
          invitesByStatus: counts,
          emails,
          deliveryRate: ratio(emails.delivered, emails.sent),
          engagementRate: ratio(emails.opened, emails.delivered),
          conversionRate: ratio(started, emails.delivered),
          completionRate: ratio(counts.completed, started),
          medianInviteToStart: toStart === null ? null : Math.round(toStart / 1000),
          medianStartToCompletion: toComplete === null ? null : Math.round(toComplete / 1000),
        });
      }
      return result;
    },
  };
}
