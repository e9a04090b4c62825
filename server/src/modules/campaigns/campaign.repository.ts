import { sql, type Insertable, type Kysely, type Selectable, type Updateable } from 'kysely';
import type { CampaignTable, Database } from '../../db/schema.js';
import { containsPattern } from '../scripts/script.repository.js';

export type CampaignRow = Selectable<CampaignTable> & { script_version: number };

export interface CampaignFilter {
  status?: string | undefined;
  projectId?: string | undefined;
  search?: string | undefined;
}

/** Names sort without regard to case, the same on both databases. */
const sortColumns = { name: sql`lower(c.name)`, createdAt: sql`c.created_at`, updatedAt: sql`c.updated_at` } as const;
export type CampaignSort = keyof typeof sortColumns;

export function createCampaignRepository(db: Kysely<Database>) {
  function base() {
    return db
      .selectFrom('campaigns as c')
      .innerJoin('script_versions as v', 'v.id', 'c.script_version_id')
      .selectAll('c')
      .select('v.version as script_version');
  }
  function filtered(organizationId: string, filter: CampaignFilter) {
    let q = base().where('c.organization_id', '=', organizationId);
    if (filter.status) q = q.where('c.status', '=', filter.status);
    if (filter.projectId) q = q.where('c.project_id', '=', filter.projectId);
    if (filter.search) q = q.where(sql<boolean>`lower(c.name) like ${containsPattern(filter.search)} escape '\\'`);
    return q;
  }

  return {
    async insert(row: Insertable<CampaignTable>): Promise<void> {
      await db.insertInto('campaigns').values(row).execute();
    },
    async find(organizationId: string, id: string): Promise<CampaignRow | undefined> {
      return base().where('c.organization_id', '=', organizationId).where('c.id', '=', id).executeTakeFirst();
    },
    async list(
      organizationId: string,
      filter: CampaignFilter,
      sort: CampaignSort,
      order: 'asc' | 'desc',
      limit: number,
      offset: number,
    ): Promise<CampaignRow[]> {
      return filtered(organizationId, filter)
        .orderBy(sortColumns[sort], order)
        .orderBy('c.id', order)
        .limit(limit)
        .offset(offset)
        .execute();
    },
    async count(organizationId: string, filter: CampaignFilter): Promise<number> {
      const row = await filtered(organizationId, filter)
        .clearSelect()
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async update(organizationId: string, id: string, patch: Updateable<CampaignTable>): Promise<void> {
      await db.updateTable('campaigns').set(patch).where('organization_id', '=', organizationId).where('id', '=', id).execute();
    },
  };
}
