import { z } from 'zod';
import { boundedObject, paginationQuery, timestamp } from '../../http/schemas.js';
import { questionSchema, questionsInput } from './question.schemas.js';

export const scriptStatuses = ['draft', 'published', 'archived'] as const;

const name = z.string().trim().min(1, 'name must not be empty').max(100);
const description = z.string().trim().max(2000).nullable();
const systemPrompt = z.string().trim().min(1, 'systemPrompt must not be empty').max(20_000);
const settings = boundedObject(16_384).describe('Script settings (follow-ups, language, voice, ...)');

export const createScriptBody = z
  .object({
    name,
    description: description.optional(),
    projectId: z.string().max(64).nullable().optional(),
    systemPrompt,
    questions: questionsInput,
    settings: settings.optional(),
  })
  .strict();

export const updateScriptBody = z
  .object({
    name: name.optional(),
    description: description.optional(),
    projectId: z.string().max(64).nullable().optional(),
    systemPrompt: systemPrompt.optional(),
    questions: questionsInput.optional(),
    settings: settings.optional(),
    status: z
      .enum(scriptStatuses)
      .optional()
      .describe("'archived' archives the script; 'draft' or 'published' restores an archived one"),
  })
  .strict();

export const createVersionBody = z
  .object({
    changelog: z.string().trim().max(2000).optional(),
    questions: questionsInput.optional(),
    systemPrompt: systemPrompt.optional(),
    settings: settings.optional(),
    publish: z.boolean().optional().describe('Publish the new version at once (default false)'),
  })
  .strict();

export const listScriptsQuery = z.object({
  projectId: z.string().max(64).optional(),
  status: z.enum(scriptStatuses).optional(),
  search: z.string().max(100).optional(),
  ...paginationQuery,
});

export const scriptParams = z.object({ scriptId: z.string().max(64) });
export const versionParams = z.object({ scriptId: z.string().max(64), version: z.coerce.number().int().min(1) });
export const exportQuery = z.object({ version: z.coerce.number().int().min(1).optional() });

export const versionSummarySchema = z
  .object({
    version: z.number().int(),
    status: z.enum(['draft', 'published']),
    changelog: z.string().nullable(),
    createdAt: timestamp,
    publishedAt: timestamp.nullable(),
  })
  .meta({ id: 'ScriptVersionSummary' });

export const versionSchema = versionSummarySchema
  .extend({
    id: z.string(),
    scriptId: z.string(),
    systemPrompt: z.string(),
    questions: z.array(questionSchema),
    settings: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'ScriptVersion' });

export const scriptSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    projectId: z.string().nullable(),
    status: z.enum(scriptStatuses),
    version: z.number().int().describe('The latest version, whose content is shown'),
    publishedVersion: z.number().int().nullable().describe('The version new campaigns pin'),
    hasUnpublishedChanges: z.boolean(),
    systemPrompt: z.string(),
    questions: z.array(questionSchema),
    settings: z.record(z.string(), z.unknown()),
    versions: z.array(versionSummarySchema).optional(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Script' });

export const scriptExportFormat = 'parley.script' as const;

export const scriptExportSchema = z
  .object({
    format: z.literal(scriptExportFormat),
    formatVersion: z.literal(1),
    exportedAt: timestamp,
    source: z.object({ scriptId: z.string(), version: z.number().int() }),
    script: z.object({
      name: z.string(),
      description: z.string().nullable(),
      systemPrompt: z.string(),
      questions: z.array(questionSchema),
      settings: z.record(z.string(), z.unknown()),
    }),
  })
  .meta({ id: 'ScriptExport' });

/** An export document, as `GET /export` produced it; `projectId` and `name` may override. */
export const importScriptBody = z
  .object({
    format: z.literal(scriptExportFormat),
    formatVersion: z.literal(1),
    exportedAt: z.string().optional(),
    source: z.record(z.string(), z.unknown()).optional(),
    script: z
      .object({
        name,
        description: description.optional(),
        systemPrompt,
        questions: questionsInput,
        settings: settings.optional(),
      })
      .strip(),
    projectId: z.string().max(64).nullable().optional(),
    name: name.optional(),
  })
  .strict();

export const mediaSchema = z
  .object({
    id: z.string(),
    scriptId: z.string(),
    filename: z.string(),
    contentType: z.string(),
    size: z.number().int(),
    sha256: z.string(),
    url: z.string(),
    createdAt: timestamp,
  })
  .meta({ id: 'ScriptMedia' });

export const mediaParams = z.object({ scriptId: z.string().max(64), mediaId: z.string().max(64) });
