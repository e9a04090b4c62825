import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { Database, ProjectTable } from '../../db/schema.js';

export type ProjectRow = Selectable<ProjectTable>;

export function createProjectRepository(db: Kysely<Database>) {
  return {
    async insert(row: Insertable<ProjectTable>): Promise<void> {
      await db.insertInto('projects').values(row).execute();
    },
    async findById(organizationId: string, id: string): Promise<ProjectRow | undefined> {
      return db
        .selectFrom('projects')
        .selectAll()
        .where('organization_id', '=', organizationId)
        .where('id', '=', id)
        .executeTakeFirst();
    },
    async list(organizationId: string, limit: number, offset: number): Promise<ProjectRow[]> {
      return db
        .selectFrom('projects')
        .selectAll()
        .where('organization_id', '=', organizationId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .offset(offset)
        .execute();
    },
    async count(organizationId: string): Promise<number> {
      const row = await db
        .selectFrom('projects')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('organization_id', '=', organizationId)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async update(organizationId: string, id: string, patch: Updateable<ProjectTable>): Promise<void> {
      await db.updateTable('projects').set(patch).where('organization_id', '=', organizationId).where('id', '=', id).execute();
    },
    /** Campaigns and scripts of the project are unassigned (set null) by the foreign keys. */
    async remove(organizationId: string, id: string): Promise<boolean> {
      const result = await db
        .deleteFrom('projects')
        .where('organization_id', '=', organizationId)
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
  };
}
