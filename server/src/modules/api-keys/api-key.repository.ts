import type { Insertable, Kysely, Selectable } from 'kysely';
import type { ApiKeyTable, Database } from '../../db/schema.js';

export type ApiKeyRow = Selectable<ApiKeyTable>;

export function createApiKeyRepository(db: Kysely<Database>) {
  return {
    /** The active key with this hash, with what a request needs of its organization. */
    async findActiveByHash(keyHash: string) {
      return db
        .selectFrom('api_keys as k')
        .innerJoin('organizations as o', 'o.id', 'k.organization_id')
        .select([
          'k.id', 'k.organization_id', 'k.scopes', 'k.last_used_at',
          'o.plan', 'o.rate_limit_per_minute',
        ])
        .where('k.key_hash', '=', keyHash)
        .where('k.revoked_at', 'is', null)
        .executeTakeFirst();
    },
    async insert(row: Insertable<ApiKeyTable>): Promise<void> {
      await db.insertInto('api_keys').values(row).execute();
    },
    async list(organizationId: string, limit: number, offset: number): Promise<ApiKeyRow[]> {
      return db
        .selectFrom('api_keys')
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
        .selectFrom('api_keys')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('organization_id', '=', organizationId)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async findById(organizationId: string, id: string): Promise<ApiKeyRow | undefined> {
      return db
        .selectFrom('api_keys')
        .selectAll()
        .where('organization_id', '=', organizationId)
        .where('id', '=', id)
        .executeTakeFirst();
    },
    async revoke(organizationId: string, id: string, at: string): Promise<void> {
      await db
        .updateTable('api_keys')
        .set({ revoked_at: at })
        .where('organization_id', '=', organizationId)
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .execute();
    },
    async touch(id: string, at: string): Promise<void> {
      await db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
    },
  };
}
