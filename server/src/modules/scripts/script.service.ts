import type { Clock } from '../../core/clock.js';
import { AppError, notFound, validationError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Db } from '../../db/database.js';
import { parseJson, toJson } from '../../db/database.js';
import { page, type Page } from '../../http/schemas.js';
import type { ProjectService } from '../projects/project.service.js';
import { normalizeQuestions, type Question, type QuestionInput } from './question.schemas.js';
import {
  createScriptRepository, type ScriptFilter, type ScriptRepository, type ScriptVersionRow, type ScriptWithContent,
} from './script.repository.js';

type Settings = Record<string, unknown>;
type ScriptStatus = 'draft' | 'published' | 'archived';

export interface ScriptVersionSummary {
  version: number;
  status: 'draft' | 'published';
  changelog: string | null;
  createdAt: string;
  publishedAt: string | null;
}

export interface ScriptVersion extends ScriptVersionSummary {
  id: string;
  scriptId: string;
  systemPrompt: string;
  questions: Question[];
  settings: Settings;
}

export interface Script {
  id: string;
  name: string;
  description: string | null;
  projectId: string | null;
  status: ScriptStatus;
  version: number;
  publishedVersion: number | null;
  hasUnpublishedChanges: boolean;
  systemPrompt: string;
  questions: Question[];
  settings: Settings;
  versions?: ScriptVersionSummary[];
  createdAt: string;
  updatedAt: string;
}

export interface ScriptContentInput {
  systemPrompt?: string | undefined;
  questions?: QuestionInput[] | undefined;
  settings?: Settings | undefined;
}

export interface CreateScriptInput extends ScriptContentInput {
  name: string;
  description?: string | null | undefined;
  projectId?: string | null | undefined;
  systemPrompt: string;
  questions: QuestionInput[];
}

export interface UpdateScriptInput extends ScriptContentInput {
  name?: string | undefined;
  description?: string | null | undefined;
  projectId?: string | null | undefined;
  status?: ScriptStatus | undefined;
}

function toScript(row: ScriptWithContent, versions?: ScriptVersionRow[]): Script {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    projectId: row.project_id,
    status: row.status as ScriptStatus,
    version: row.latest_version,
    publishedVersion: row.published_version,
    hasUnpublishedChanges: row.latest_version !== row.published_version,
    systemPrompt: row.system_prompt,
    questions: parseJson<Question[]>(row.questions),
    settings: parseJson<Settings>(row.settings),
    ...(versions ? { versions: versions.map(toVersionSummary) } : {}),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toVersionSummary(row: ScriptVersionRow): ScriptVersionSummary {
  return {
    version: row.version,
    status: row.status as 'draft' | 'published',
    changelog: row.changelog,
    createdAt: row.created_at,
    publishedAt: row.published_at,
  };
}

export function toVersion(row: ScriptVersionRow): ScriptVersion {
  return {
    ...toVersionSummary(row),
    id: row.id,
    scriptId: row.script_id,
    systemPrompt: row.system_prompt,
    questions: parseJson<Question[]>(row.questions),
    settings: parseJson<Settings>(row.settings),
  };
}

function assertPublishable(questions: unknown[]): void {
  if (questions.length === 0) throw validationError('questions', 'a script needs at least one question to be published');
}

export function createScriptService(deps: { db: Db; clock: Clock; projects: ProjectService }) {
  const repo = createScriptRepository(deps.db.kysely);
  const publishedVersions = new Map<string, { organizationId: string; version: ScriptVersion }>();
  const now = () => deps.clock.now().toISOString();
  const inTransaction = <T>(work: (r: ScriptRepository) => Promise<T>) =>
    deps.db.kysely.transaction().execute((trx) => work(createScriptRepository(trx)));

  async function found(r: ScriptRepository, organizationId: string, id: string): Promise<ScriptWithContent> {
    const row = await r.find(organizationId, id);
    if (!row) throw notFound('Script', id);
    return row;
  }

  /** A transaction that changes one script, after the writers before it (SQLite has one writer anyway). */
  const writing = <T>(organizationId: string, id: string, work: (r: ScriptRepository, row: ScriptWithContent) => Promise<T>) =>
    inTransaction(async (r) => {
      if (deps.db.dialect === 'postgres') await r.lock(organizationId, id);
      return work(r, await found(r, organizationId, id));
    });

  async function get(organizationId: string, id: string): Promise<Script> {
    const row = await found(repo, organizationId, id);
    return toScript(row, await repo.versions(id));
  }

  async function checkProject(organizationId: string, projectId: string | null | undefined): Promise<void> {
    if (projectId) await deps.projects.assertExists(organizationId, projectId);
  }

  /** The content of a new or changed version: given fields replace those of `base`. */
  function mergedContent(base: ScriptVersionRow | undefined, input: ScriptContentInput) {
    return {
      system_prompt: input.systemPrompt ?? base?.system_prompt ?? '',
      questions: toJson(input.questions ? normalizeQuestions(input.questions) : base ? parseJson(base.questions) : []),
      settings: input.settings ? toJson(input.settings) : (base ? toJson(parseJson(base.settings)) : '{}'),
    };
  }

  async function create(organizationId: string, input: CreateScriptInput): Promise<Script> {
    await checkProject(organizationId, input.projectId);
    const id = newId('scr');
    const at = now();
    await inTransaction(async (r) => {
      await r.insertScript({
        id,
        organization_id: organizationId,
        project_id: input.projectId ?? null,
        name: input.name,
        description: input.description ?? null,
        status: 'draft',
        latest_version: 1,
        published_version: null,
        created_at: at,
        updated_at: at,
        deleted_at: null,
      });
      await r.insertVersion({
        id: newId('scv'),
        script_id: id,
        organization_id: organizationId,
        version: 1,
        status: 'draft',
        ...mergedContent(undefined, input),
        changelog: null,
        created_at: at,
        published_at: null,
      });
    });
    return get(organizationId, id);
  }

  /** What `status` in an update means: archive, or restore an archived script. */
  function nextStatus(row: ScriptWithContent, wanted: ScriptStatus | undefined): ScriptStatus | undefined {
    if (wanted === undefined || wanted === row.status) return undefined;
    if (wanted === 'archived') return 'archived';
    const derived: ScriptStatus = row.published_version !== null ? 'published' : 'draft';
    if (row.status === 'archived' && wanted === derived) return derived;
    throw validationError(
      'status',
      wanted === 'published'
        ? 'publish a script with POST /v1/scripts/{scriptId}/publish'
        : `a script that has a published version cannot go back to ${wanted}`,
    );
  }

  return {
    get,
    create,

    async list(organizationId: string, filter: ScriptFilter, limit: number, offset: number): Promise<Page<Script>> {
      const [rows, total] = await Promise.all([
        repo.list(organizationId, filter, limit, offset),
        repo.count(organizationId, filter),
      ]);
      return page(rows.map((r) => toScript(r)), total, limit, offset);
    },

    /**
     * Changes name, description and project in place. Content (prompt, questions, settings)
     * changes the latest draft, or opens a new draft version when the latest is published:
     * campaigns keep the version they pinned.
     */
    async update(organizationId: string, id: string, input: UpdateScriptInput): Promise<Script> {
      await checkProject(organizationId, input.projectId);
      await writing(organizationId, id, async (r, row) => {
        const status = nextStatus(row, input.status);
        const at = now();
        if (input.systemPrompt !== undefined || input.questions !== undefined || input.settings !== undefined) {
          const latest = await r.version(id, row.latest_version);
          const content = mergedContent(latest, input);
          if (latest && latest.status === 'draft') {
            await r.updateVersion(latest.id, content);
          } else {
            const version = await r.bumpVersion(id, at);
            await r.insertVersion({
              id: newId('scv'), script_id: id, organization_id: organizationId, version, status: 'draft',
              ...content, changelog: null, created_at: at, published_at: null,
            });
          }
        }
        await r.updateScript(organizationId, id, {
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.description !== undefined ? { description: input.description } : {}),
          ...(input.projectId !== undefined ? { project_id: input.projectId } : {}),
          ...(status ? { status } : {}),
          updated_at: at,
        });
      });
      return get(organizationId, id);
    },

    /** Soft delete: campaigns that pinned a version of it keep working. */
    async remove(organizationId: string, id: string): Promise<void> {
      await writing(organizationId, id, async (r) => {
        const active = await r.activeCampaignsUsing(id);
        if (active > 0) {
          throw new AppError('RESOURCE_CONFLICT', `Script ${id} is used by ${active} active campaign(s); pause or archive them first`, {
            activeCampaigns: active,
          });
        }
        await r.updateScript(organizationId, id, { deleted_at: now(), updated_at: now() });
      });
    },

    /** Publishes the latest version; publishing an already published script changes nothing. */
    async publish(organizationId: string, id: string): Promise<Script> {
      await writing(organizationId, id, async (r, row) => {
        const latest = await r.version(id, row.latest_version);
        if (!latest) throw notFound('Script version', String(row.latest_version));
        if (row.status === 'published' && row.published_version === latest.version) return;
        assertPublishable(parseJson<unknown[]>(latest.questions));
        const at = now();
        if (latest.status === 'draft') await r.updateVersion(latest.id, { status: 'published', published_at: at });
        await r.updateScript(organizationId, id, { status: 'published', published_version: latest.version, updated_at: at });
      });
      return get(organizationId, id);
    },

    async createVersion(
      organizationId: string,
      id: string,
      input: ScriptContentInput & { changelog?: string | undefined; publish?: boolean | undefined },
    ): Promise<Script> {
      await writing(organizationId, id, async (r, row) => {
        const latest = await r.version(id, row.latest_version);
        const content = mergedContent(latest, input);
        if (input.publish) assertPublishable(JSON.parse(content.questions) as unknown[]);
        const at = now();
        const version = await r.bumpVersion(id, at);
        await r.insertVersion({
          id: newId('scv'), script_id: id, organization_id: organizationId, version,
          status: input.publish ? 'published' : 'draft',
          ...content,
          changelog: input.changelog ?? null,
          created_at: at,
          published_at: input.publish ? at : null,
        });
        if (input.publish) {
          await r.updateScript(organizationId, id, { status: 'published', published_version: version, updated_at: at });
        }
      });
      return get(organizationId, id);
    },

    async listVersions(organizationId: string, id: string): Promise<ScriptVersion[]> {
      await found(repo, organizationId, id);
      return (await repo.versions(id)).map(toVersion);
    },

    async getVersion(organizationId: string, id: string, version: number): Promise<ScriptVersion> {
      await found(repo, organizationId, id);
      const row = await repo.version(id, version);
      if (!row) throw notFound('Script version', `${id}@${version}`);
      return toVersion(row);
    },

    /** The version a new campaign pins: the script's published one. */
    async publishedVersionFor(organizationId: string, scriptId: string): Promise<ScriptVersion> {
      const row = await found(repo, organizationId, scriptId);
      if (row.status === 'archived') throw validationError('scriptId', `script ${scriptId} is archived`);
      if (row.published_version === null) {
        throw validationError('scriptId', `script ${scriptId} has no published version; publish it first`);
      }
      const version = await repo.version(scriptId, row.published_version);
      if (!version) throw notFound('Script version', `${scriptId}@${row.published_version}`);
      return toVersion(version);
    },

    /**
     * A version by id. Published versions never change, and every interview request needs its
     * campaign's, so those are kept parsed in memory (a few hundred at most).
     */
    async versionById(organizationId: string, versionId: string): Promise<ScriptVersion | undefined> {
      const cached = publishedVersions.get(versionId);
      if (cached && cached.organizationId === organizationId) return cached.version;
      const row = await repo.versionById(organizationId, versionId);
      if (!row) return undefined;
      const version = toVersion(row);
      if (version.status === 'published') {
        if (publishedVersions.size >= 500) publishedVersions.delete(publishedVersions.keys().next().value!);
        publishedVersions.set(versionId, { organizationId, version });
      }
      return version;
    },
  };
}

export type ScriptService = ReturnType<typeof createScriptService>;
