import type { Readable } from 'node:stream';
import type { FileStorage } from '../../adapters/storage/file-storage.js';
import type { Clock } from '../../core/clock.js';
import { AppError, notFound } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Db } from '../../db/database.js';
import { acceptedMediaTypes, sniffMediaType } from './media-types.js';
import { createScriptRepository, type ScriptMediaRow } from './script.repository.js';
import type { ScriptService } from './script.service.js';

export interface ScriptMedia {
  id: string;
  scriptId: string;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  url: string;
  createdAt: string;
}

/** A client's file name, reduced to something safe to echo back and to put in a header. */
function cleanFilename(name: string | undefined, extension: string): string {
  const base = (name ?? '').split(/[\\/]/).pop()!.replace(/[^A-Za-z0-9._ -]/g, '_').slice(0, 120).trim();
  return base || `upload.${extension}`;
}

export function createScriptMediaService(deps: {
  db: Db;
  clock: Clock;
  storage: FileStorage;
  scripts: ScriptService;
  publicUrl: string;
}) {
  const repo = createScriptRepository(deps.db.kysely);
  const toMedia = (row: ScriptMediaRow): ScriptMedia => ({
    id: row.id,
    scriptId: row.script_id,
    filename: row.filename,
    contentType: row.content_type,
    size: row.size_bytes,
    sha256: row.sha256,
    url: `${deps.publicUrl}/v1/scripts/${row.script_id}/media/${row.id}`,
    createdAt: row.created_at,
  });

  async function findMedia(organizationId: string, scriptId: string, mediaId: string): Promise<ScriptMediaRow> {
    await deps.scripts.get(organizationId, scriptId);
    const row = await repo.findMedia(scriptId, mediaId);
    if (!row) throw notFound('Media', mediaId);
    return row;
  }

  return {
    /**
     * Streams the upload to storage, then keeps it only if it is whole and its bytes are an
     * accepted type. A multipart parser ends a file stream early at its size limit and marks
     * it `truncated`, without an error: such a file is refused, never kept cut short.
     */
    async upload(
      organizationId: string,
      scriptId: string,
      file: { filename?: string; stream: Readable & { truncated?: boolean } },
    ): Promise<ScriptMedia> {
      await deps.scripts.get(organizationId, scriptId);
      const id = newId('med');
      const key = `media/${organizationId}/${scriptId}/${id}`;
      const stored = await deps.storage.write(key, file.stream);
      if (file.stream.truncated) {
        await deps.storage.remove(key);
        throw new AppError('PAYLOAD_TOO_LARGE', 'The file is larger than the media upload limit');
      }
      const type = sniffMediaType(stored.head);
      if (!type || stored.size === 0) {
        await deps.storage.remove(key);
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', `Unsupported file type; accepted: ${acceptedMediaTypes}`);
      }
      const row: ScriptMediaRow = {
        id,
        organization_id: organizationId,
        script_id: scriptId,
        filename: cleanFilename(file.filename, type.extension),
        content_type: type.contentType,
        size_bytes: stored.size,
        sha256: stored.sha256,
        storage_key: key,
        created_at: deps.clock.now().toISOString(),
      };
      await repo.insertMedia(row);
      return toMedia(row);
    },

    async list(organizationId: string, scriptId: string): Promise<ScriptMedia[]> {
      await deps.scripts.get(organizationId, scriptId);
      return (await repo.listMedia(scriptId)).map(toMedia);
    },

    async open(organizationId: string, scriptId: string, mediaId: string): Promise<{ media: ScriptMedia; stream: Readable }> {
      const row = await findMedia(organizationId, scriptId, mediaId);
      return { media: toMedia(row), stream: deps.storage.read(row.storage_key) };
    },

    async remove(organizationId: string, scriptId: string, mediaId: string): Promise<void> {
      const row = await findMedia(organizationId, scriptId, mediaId);
      await repo.removeMedia(row.id);
      await deps.storage.remove(row.storage_key);
    },
  };
}

export type ScriptMediaService = ReturnType<typeof createScriptMediaService>;
