import type { Clock } from '../../core/clock.js';
import { notFound } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Db } from '../../db/database.js';
import { parseJson, toJson } from '../../db/database.js';
import type { Plan } from './plans.js';
import { rateLimitFor } from './plans.js';
import { createOrganizationRepository, type OrganizationRow } from './organization.repository.js';

export interface Organization {
  id: string;
  name: string;
  plan: string;
  logo: string | null;
  domain: string | null;
  settings: Record<string, unknown>;
  rateLimit: { requestsPerMinute: number };
  createdAt: string;
  updatedAt: string;
}

export interface OrganizationPatch {
  name?: string | undefined;
  logo?: string | null | undefined;
  domain?: string | null | undefined;
  settings?: Record<string, unknown> | undefined;
}

export function toOrganization(row: OrganizationRow): Organization {
  return {
    id: row.id,
    name: row.name,
    plan: row.plan,
    logo: row.logo,
    domain: row.domain,
    settings: parseJson<Record<string, unknown>>(row.settings) ?? {},
    rateLimit: { requestsPerMinute: rateLimitFor(row.plan, row.rate_limit_per_minute) },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The interview link of a token under a link base (see `linkBase`). */
export function interviewUrl(linkBase: string, token: string): string {
  return `${linkBase}/interview/${token}`;
}

export function createOrganizationService(deps: { db: Db; clock: Clock; publicUrl: string }) {
  const repo = createOrganizationRepository(deps.db.kysely);
  /** Where the organization's links point: its own domain, or PUBLIC_URL. */
  const linkBase = (org: Pick<Organization, 'domain'>): string => (org.domain ? `https://${org.domain}` : deps.publicUrl);

  async function get(id: string): Promise<Organization> {
    const row = await repo.findById(id);
    if (!row) throw notFound('Organization', id);
    return toOrganization(row);
  }

  return {
    get,

    async update(id: string, patch: OrganizationPatch): Promise<Organization> {
      await get(id);
      await repo.update(id, {
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.logo !== undefined ? { logo: patch.logo } : {}),
        ...(patch.domain !== undefined ? { domain: patch.domain } : {}),
        ...(patch.settings !== undefined ? { settings: toJson(patch.settings) } : {}),
        updated_at: deps.clock.now().toISOString(),
      });
      return get(id);
    },

    async create(input: { name: string; plan: Plan; rateLimitPerMinute?: number | null }): Promise<Organization> {
      const now = deps.clock.now().toISOString();
      const id = newId('org');
      await repo.insert({
        id,
        name: input.name,
        plan: input.plan,
        rate_limit_per_minute: input.rateLimitPerMinute ?? null,
        logo: null,
        domain: null,
        settings: toJson({}),
        created_at: now,
        updated_at: now,
      });
      return get(id);
    },

    async findByName(name: string): Promise<Organization | undefined> {
      const row = await repo.findByName(name);
      return row ? toOrganization(row) : undefined;
    },

    count: () => repo.count(),

    /** Plans are an operator's decision (CLI), not something an API key can change. */
    async setPlan(id: string, plan: Plan, rateLimitPerMinute: number | null): Promise<Organization> {
      await repo.update(id, { plan, rate_limit_per_minute: rateLimitPerMinute, updated_at: deps.clock.now().toISOString() });
      return get(id);
    },

    /** Where an organization's links start: its custom domain, or PUBLIC_URL. */
    linkBase,
    /** An invite's link: the organization's domain (or PUBLIC_URL), then /interview/<token>. */
    interviewUrl: (org: Pick<Organization, 'domain'>, token: string): string => interviewUrl(linkBase(org), token),
  };
}

export type OrganizationService = ReturnType<typeof createOrganizationService>;
