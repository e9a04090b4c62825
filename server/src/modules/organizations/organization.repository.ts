import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { Database, OrganizationTable } from '../../db/schema.js';

export type OrganizationRow = Selectable<OrganizationTable>;

export function createOrganizationRepository(db: Kysely<Database>) {
  return {
    async findById(id: string): Promise<OrganizationRow | undefined> {
      return db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async findByName(name: string): Promise<OrganizationRow | undefined> {
      return db
        .selectFrom('organizations')
        .selectAll()
        .where('name', '=', name)
        .orderBy('created_at', 'asc')
        .executeTakeFirst();
    },
    async count(): Promise<number> {
      const row = await db
        .selectFrom('organizations')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async insert(row: Insertable<OrganizationTable>): Promise<void> {
      await db.insertInto('organizations').values(row).execute();
    },
    async update(id: string, patch: Updateable<OrganizationTable>): Promise<void> {
      await db.updateTable('organizations').set(patch).where('id', '=', id).execute();
    },
  };
}

export type OrganizationRepository = ReturnType<typeof createOrganizationRepository>;
