import type { Clock } from '../../core/clock.js';
import type { QuestionInput } from './question.schemas.js';
import { scriptExportFormat } from './script.schemas.js';
import type { Script, ScriptService } from './script.service.js';

/** Export and import of scripts as a self-contained JSON document, for backup or migration. */
export function createScriptTransfer(deps: { scripts: ScriptService; clock: Clock }) {
  return {
    async export(organizationId: string, scriptId: string, version?: number) {
      const script = await deps.scripts.get(organizationId, scriptId);
      const content = await deps.scripts.getVersion(organizationId, scriptId, version ?? script.version);
      return {
        format: scriptExportFormat,
        formatVersion: 1 as const,
        exportedAt: deps.clock.now().toISOString(),
        source: { scriptId, version: content.version },
        script: {
          name: script.name,
          description: script.description,
          systemPrompt: content.systemPrompt,
          questions: content.questions,
          settings: content.settings,
        },
      };
    },

    /** Creates a new draft script from an export document. */
    async import(
      organizationId: string,
      doc: {
        script: {
          name: string;
          description?: string | null | undefined;
          systemPrompt: string;
          questions: QuestionInput[];
          settings?: Record<string, unknown> | undefined;
        };
        projectId?: string | null | undefined;
        name?: string | undefined;
      },
    ): Promise<Script> {
      return deps.scripts.create(organizationId, {
        ...doc.script,
        name: doc.name ?? doc.script.name,
        projectId: doc.projectId ?? null,
      });
    },
  };
}

export type ScriptTransfer = ReturnType<typeof createScriptTransfer>;
