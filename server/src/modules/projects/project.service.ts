import type { Clock } from '../../core/clock.js';
import { notFound } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Db } from '../../db/database.js';
import { page, type Page } from '../../http/schemas.js';
import { createProjectRepository, type ProjectRow } from './project.repository.js';

export interface Project {
  id: string;
  name: string;
  description: string | null;
  color: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ProjectInput {
  name: string;
  description?: string | null | undefined;
  color?: string | null | undefined;
}

function toProject(row: ProjectRow): Project {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    color: row.color,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function createProjectService(deps: { db: Db; clock: Clock }) {
  const repo = createProjectRepository(deps.db.kysely);

  async function get(organizationId: string, id: string): Promise<Project> {
    const row = await repo.findById(organizationId, id);
    if (!row) throw notFound('Project', id);
    return toProject(row);
  }

  return {
    get,

    /** Throws a 404 naming the field when a body refers to a project that is not ours. */
    async assertExists(organizationId: string, id: string): Promise<void> {
      if (!(await repo.findById(organizationId, id))) {
        throw notFound('Project', id);
      }
    },

    async list(organizationId: string, limit: number, offset: number): Promise<Page<Project>> {
      const [rows, total] = await Promise.all([repo.list(organizationId, limit, offset), repo.count(organizationId)]);
      return page(rows.map(toProject), total, limit, offset);
    },

    async create(organizationId: string, input: ProjectInput): Promise<Project> {
      const now = deps.clock.now().toISOString();
      const id = newId('prj');
      await repo.insert({
        id,
        organization_id: organizationId,
        name: input.name,
        description: input.description ?? null,
        color: input.color ?? null,
        created_at: now,
        updated_at: now,
      });
      return get(organizationId, id);
    },

    async update(organizationId: string, id: string, patch: Partial<ProjectInput>): Promise<Project> {
      await get(organizationId, id);
      await repo.update(organizationId, id, {
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.color !== undefined ? { color: patch.color } : {}),
        updated_at: deps.clock.now().toISOString(),
      });
      return get(organizationId, id);
    },

    async remove(organizationId: string, id: string): Promise<void> {
      if (!(await repo.remove(organizationId, id))) throw notFound('Project', id);
    },
  };
}

export type ProjectService = ReturnType<typeof createProjectService>;
