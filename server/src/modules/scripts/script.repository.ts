import { sql, type Insertable, type Kysely, type Selectable, type Updateable } from 'kysely';
import type { Database, ScriptMediaTable, ScriptTable, ScriptVersionTable } from '../../db/schema.js';

export type ScriptRow = Selectable<ScriptTable>;
export type ScriptVersionRow = Selectable<ScriptVersionTable>;
export type ScriptMediaRow = Selectable<ScriptMediaTable>;
/** A script with the content of its latest version. */
export type ScriptWithContent = ScriptRow & Pick<ScriptVersionRow, 'system_prompt' | 'questions' | 'settings'> & {
  latest_status: string;
};

export interface ScriptFilter {
  projectId?: string | undefined;
  status?: string | undefined;
  search?: string | undefined;
}

/** LIKE pattern matching `text` anywhere, with its wildcards escaped. */
export function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function createScriptRepository(db: Kysely<Database>) {
  function withContent() {
    return db
      .selectFrom('scripts as s')
      .innerJoin('script_versions as v', (j) => j.onRef('v.script_id', '=', 's.id').onRef('v.version', '=', 's.latest_version'))
      .selectAll('s')
      .select(['v.system_prompt', 'v.questions', 'v.settings', 'v.status as latest_status'])
      .where('s.deleted_at', 'is', null);
  }

  function filtered(organizationId: string, filter: ScriptFilter) {
    let q = withContent().where('s.organization_id', '=', organizationId);
    if (filter.projectId) q = q.where('s.project_id', '=', filter.projectId);
    if (filter.status) q = q.where('s.status', '=', filter.status);
    if (filter.search) q = q.where(sql<boolean>`lower(s.name) like ${containsPattern(filter.search)} escape '\\'`);
    return q;
  }

  return {
    async insertScript(row: Insertable<ScriptTable>): Promise<void> {
      await db.insertInto('scripts').values(row).execute();
    },
    async insertVersion(row: Insertable<ScriptVersionTable>): Promise<void> {
      await db.insertInto('script_versions').values(row).execute();
    },
    async find(organizationId: string, id: string): Promise<ScriptWithContent | undefined> {
      return withContent().where('s.organization_id', '=', organizationId).where('s.id', '=', id).executeTakeFirst();
    },
    async list(organizationId: string, filter: ScriptFilter, limit: number, offset: number): Promise<ScriptWithContent[]> {
      return filtered(organizationId, filter).orderBy('s.created_at', 'desc').orderBy('s.id', 'desc').limit(limit).offset(offset).execute();
    },
    async count(organizationId: string, filter: ScriptFilter): Promise<number> {
      const row = await filtered(organizationId, filter)
        .clearSelect()
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async versions(scriptId: string): Promise<ScriptVersionRow[]> {
      return db.selectFrom('script_versions').selectAll().where('script_id', '=', scriptId).orderBy('version', 'desc').execute();
    },
    async version(scriptId: string, version: number): Promise<ScriptVersionRow | undefined> {
      return db
        .selectFrom('script_versions')
        .selectAll()
        .where('script_id', '=', scriptId)
        .where('version', '=', version)
        .executeTakeFirst();
    },
    async versionById(organizationId: string, id: string): Promise<ScriptVersionRow | undefined> {
      return db
        .selectFrom('script_versions')
        .selectAll()
        .where('organization_id', '=', organizationId)
        .where('id', '=', id)
        .executeTakeFirst();
    },
    /**
     * Takes the script's row lock until the transaction ends (PostgreSQL), so writers of one
     * script take turns: without it, an edit of a draft could land on a version just published.
     */
    async lock(organizationId: string, id: string): Promise<void> {
      await db.selectFrom('scripts').select('id').where('organization_id', '=', organizationId).where('id', '=', id).forUpdate().execute();
    },
    /**
     * Moves the script to its next version number and returns it. The update takes the row
     * lock on PostgreSQL, so concurrent writers of one script line up behind each other.
     */
    async bumpVersion(id: string, at: string): Promise<number> {
      const row = await db
        .updateTable('scripts')
        .set({ latest_version: sql<number>`latest_version + 1`, updated_at: at })
        .where('id', '=', id)
        .returning('latest_version')
        .executeTakeFirstOrThrow();
      return row.latest_version;
    },
    async updateScript(organizationId: string, id: string, patch: Updateable<ScriptTable>): Promise<void> {
      await db.updateTable('scripts').set(patch).where('organization_id', '=', organizationId).where('id', '=', id).execute();
    },
    async updateVersion(id: string, patch: Updateable<ScriptVersionTable>): Promise<void> {
      await db.updateTable('script_versions').set(patch).where('id', '=', id).execute();
    },
    async activeCampaignsUsing(scriptId: string): Promise<number> {
      const row = await db
        .selectFrom('campaigns')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('script_id', '=', scriptId)
        .where('status', '=', 'active')
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async insertMedia(row: Insertable<ScriptMediaTable>): Promise<void> {
      await db.insertInto('script_media').values(row).execute();
    },
    async listMedia(scriptId: string): Promise<ScriptMediaRow[]> {
      return db.selectFrom('script_media').selectAll().where('script_id', '=', scriptId).orderBy('created_at', 'desc').execute();
    },
    async findMedia(scriptId: string, id: string): Promise<ScriptMediaRow | undefined> {
      return db.selectFrom('script_media').selectAll().where('script_id', '=', scriptId).where('id', '=', id).executeTakeFirst();
    },
    async removeMedia(id: string): Promise<void> {
      await db.deleteFrom('script_media').where('id', '=', id).execute();
    },
  };
}

export type ScriptRepository = ReturnType<typeof createScriptRepository>;
