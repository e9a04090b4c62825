import type { ZodType } from 'zod';
import type { Clock } from '../../core/clock.js';
import { AppError, notFound, validationError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Db } from '../../db/database.js';
import { parseJson, toJson } from '../../db/database.js';
import { metadataSchema, page, type Page } from '../../http/schemas.js';
import type { ProjectService } from '../projects/project.service.js';
import type { ScriptService } from '../scripts/script.service.js';
import type { CampaignStats, CampaignStatsSource } from './campaign-stats.js';
import { emptyStats } from './campaign-stats.js';
import { campaignSettings, inviteDefaults as inviteDefaultsSchema } from './campaign.schemas.js';
import { createCampaignRepository, type CampaignFilter, type CampaignRow, type CampaignSort } from './campaign.repository.js';

type Obj = Record<string, unknown>;
export type CampaignStatus = 'active' | 'paused' | 'archived';

export interface Campaign {
  id: string;
  name: string;
  description: string | null;
  scriptId: string;
  scriptVersion: number;
  scriptVersionId: string;
  projectId: string | null;
  status: CampaignStatus;
  settings: Obj;
  inviteDefaults: Obj;
  metadata: Obj;
  expiresAt: string | null;
  stats: CampaignStats;
  createdAt: string;
  updatedAt: string;
}

export interface CreateCampaignInput {
  name: string;
  description?: string | null | undefined;
  scriptId: string;
  projectId?: string | null | undefined;
  settings?: Obj | undefined;
  inviteDefaults?: Obj | undefined;
  metadata?: Obj | undefined;
  expiresAt?: string | null | undefined;
}

export interface UpdateCampaignInput {
  name?: string | undefined;
  description?: string | null | undefined;
  projectId?: string | null | undefined;
  status?: CampaignStatus | undefined;
  settings?: Obj | undefined;
  inviteDefaults?: Obj | undefined;
  metadata?: Obj | undefined;
  expiresAt?: string | null | undefined;
}

function toCampaign(row: CampaignRow, stats: CampaignStats): Campaign {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    scriptId: row.script_id,
    scriptVersion: row.script_version,
    scriptVersionId: row.script_version_id,
    projectId: row.project_id,
    status: row.status as CampaignStatus,
    settings: parseJson<Obj>(row.settings),
    inviteDefaults: parseJson<Obj>(row.invite_defaults),
    metadata: parseJson<Obj>(row.metadata),
    expiresAt: row.expires_at,
    stats,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Shallow merge where a key set to null is removed. */
function merge(current: Obj, patch: Obj): Obj {
  const out: Obj = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** Validates a merged object with the schema used at creation; issues point into `field`. */
function checked(field: string, schema: ZodType, value: Obj): Obj {
  const result = schema.safeParse(value);
  if (result.success) return result.data as Obj;
  const fields = result.error.issues.map((i) => ({
    path: [field, ...i.path.map(String)].join('.'),
    message: i.message,
    code: i.code,
  }));
  throw new AppError('VALIDATION_ERROR', `${fields[0]!.path}: ${fields[0]!.message}`, { location: 'body', fields });
}

function assertFuture(expiresAt: string | null | undefined, now: Date): void {
  if (expiresAt && Date.parse(expiresAt) <= now.getTime()) {
    throw validationError('expiresAt', 'expiresAt must be in the future');
  }
}

export function createCampaignService(deps: {
  db: Db;
  clock: Clock;
  scripts: ScriptService;
  projects: ProjectService;
  stats: CampaignStatsSource;
  /** Refuses a template the organization does not have, or one of the wrong kind. */
  checkTemplate?: (organizationId: string, ref: string | null | undefined, kind: 'invite' | 'reminder') => Promise<void>;
}) {
  const repo = createCampaignRepository(deps.db.kysely);

  async function withStats(rows: CampaignRow[]): Promise<Campaign[]> {
    const stats = await deps.stats.forCampaigns(rows.map((r) => ({ id: r.id, expiresAt: r.expires_at })));
    return rows.map((r) => toCampaign(r, stats.get(r.id) ?? emptyStats));
  }

  async function checkTemplates(organizationId: string, defaults: Obj | undefined): Promise<void> {
    if (!defaults || !deps.checkTemplate) return;
    if (typeof defaults.emailTemplate === 'string') await deps.checkTemplate(organizationId, defaults.emailTemplate, 'invite');
    if (typeof defaults.reminderTemplate === 'string') await deps.checkTemplate(organizationId, defaults.reminderTemplate, 'reminder');
  }

  async function get(organizationId: string, id: string): Promise<Campaign> {
    const row = await repo.find(organizationId, id);
    if (!row) throw notFound('Campaign', id);
    return (await withStats([row]))[0]!;
  }

  return {
    get,

    /** The campaign without its figures, for work that only needs its rules (invites). */
    async load(organizationId: string, id: string): Promise<Campaign> {
      const row = await repo.find(organizationId, id);
      if (!row) throw notFound('Campaign', id);
      return toCampaign(row, emptyStats);
    },

    async create(organizationId: string, input: CreateCampaignInput): Promise<Campaign> {
      assertFuture(input.expiresAt, deps.clock.now());
      if (input.projectId) await deps.projects.assertExists(organizationId, input.projectId);
      await checkTemplates(organizationId, input.inviteDefaults);
      const version = await deps.scripts.publishedVersionFor(organizationId, input.scriptId);
      const id = newId('cam');
      const at = deps.clock.now().toISOString();
      await repo.insert({
        id,
        organization_id: organizationId,
        project_id: input.projectId ?? null,
        script_id: input.scriptId,
        script_version_id: version.id,
        name: input.name,
        description: input.description ?? null,
        status: 'active',
        settings: toJson(input.settings ?? {}),
        invite_defaults: toJson(input.inviteDefaults ?? {}),
        metadata: toJson(input.metadata ?? {}),
        expires_at: input.expiresAt ?? null,
        created_at: at,
        updated_at: at,
      });
      return get(organizationId, id);
    },

    async list(
      organizationId: string,
      filter: CampaignFilter,
      sort: CampaignSort,
      order: 'asc' | 'desc',
      limit: number,
      offset: number,
    ): Promise<Page<Campaign>> {
      const [rows, total] = await Promise.all([
        repo.list(organizationId, filter, sort, order, limit, offset),
        repo.count(organizationId, filter),
      ]);
      return page(await withStats(rows), total, limit, offset);
    },

    async update(organizationId: string, id: string, input: UpdateCampaignInput): Promise<Campaign> {
      const current = await get(organizationId, id);
      assertFuture(input.expiresAt, deps.clock.now());
      if (input.projectId) await deps.projects.assertExists(organizationId, input.projectId);
      const settings = input.settings && checked('settings', campaignSettings, merge(current.settings, input.settings));
      const defaults = input.inviteDefaults && checked('inviteDefaults', inviteDefaultsSchema, merge(current.inviteDefaults, input.inviteDefaults));
      await checkTemplates(organizationId, defaults);
      const metadata = input.metadata && checked('metadata', metadataSchema, merge(current.metadata, input.metadata));
      await repo.update(organizationId, id, {
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.projectId !== undefined ? { project_id: input.projectId } : {}),
        ...(input.status !== undefined ? { status: input.status } : {}),
        ...(settings ? { settings: toJson(settings) } : {}),
        ...(defaults ? { invite_defaults: toJson(defaults) } : {}),
        ...(metadata ? { metadata: toJson(metadata) } : {}),
        ...(input.expiresAt !== undefined ? { expires_at: input.expiresAt } : {}),
        updated_at: deps.clock.now().toISOString(),
      });
      return get(organizationId, id);
    },
  };
}

export type CampaignService = ReturnType<typeof createCampaignService>;
