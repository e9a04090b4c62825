import { z } from 'zod';
import { paginationQuery, timestamp } from '../../http/schemas.js';

export const projectSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    color: z.string().nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Project' });

const color = z
  .string()
  .regex(/^#[0-9A-Fa-f]{6}$/, 'color must be a hex code such as #6366F1')
  .transform((c) => c.toUpperCase());

export const createProjectBody = z
  .object({
    name: z.string().trim().min(1, 'name must not be empty').max(100),
    description: z.string().trim().max(2000).nullable().optional(),
    color: color.nullable().optional(),
  })
  .strict();

export const updateProjectBody = createProjectBody.partial().strict();

export const projectParams = z.object({ projectId: z.string().max(64) });
export const listProjectsQuery = z.object({ ...paginationQuery });
