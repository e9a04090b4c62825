import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { AppError } from '../../core/errors.js';
import { metadataProblem } from '../../http/schemas.js';
import type { Clock } from '../../core/clock.js';
import { resolveExpiry, type ExpiryInput } from './invite-expiry.js';
import { emailPattern } from './invite.schemas.js';
import type { TokenVault } from './invite-tokens.js';
import type { InviteService, NewInvite } from './invite.service.js';

export type RowOutcome = 'created' | 'skipped' | 'invalid';

export interface ImportRow {
  line: number;
  email: string | null;
  outcome: RowOutcome;
  inviteId?: string;
  reason?: string;
}

export interface ImportReport {
  completed: boolean;
  total: number;
  created: number;
  skipped: number;
  invalid: number;
  /** Skipped and invalid rows always; created rows too when the full report was asked for. */
  rows: ImportRow[];
  error?: { line: number; message: string };
}

export interface ImportOptions extends ExpiryInput {
  sendEmail: boolean;
  emailTemplate?: string | undefined;
  fullReport: boolean;
}

const batchSize = 1000;
const maxRecordBytes = 64 * 1024;

type Metadata = Record<string, string | number | boolean>;

/** `key=value;key2=value2`, or a JSON object. */
function parseMetadataCell(cell: string): Metadata {
  const text = cell.trim();
  if (!text) return {};
  if (text.startsWith('{') || text.startsWith('[')) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new Error('metadata is not valid JSON');
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('metadata JSON must be an object');
    return value as Metadata;
  }
  const out: Metadata = {};
  for (const pair of text.split(';')) {
    if (!pair.trim()) continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`metadata pair "${pair.trim().slice(0, 40)}" is not key=value`);
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return out;
}

interface Columns {
  email: number;
  name: number;
  metadata: number;
  extra: Array<{ index: number; key: string }>;
}

/** A header row names its columns; a file without one is read as email,name,metadata. */
function readHeader(first: string[]): { columns: Columns; isHeader: boolean } {
  const names = first.map((c) => c.trim().toLowerCase());
  if (!names.includes('email') && !names.includes('name')) {
    return { columns: { email: 0, name: 1, metadata: 2, extra: [] }, isHeader: false };
  }
  const extra = first
    .map((c, index) => ({ index, key: c.trim() }))
    .filter(({ key }) => key && !['email', 'name', 'metadata'].includes(key.toLowerCase()));
  return {
    columns: { email: names.indexOf('email'), name: names.indexOf('name'), metadata: names.indexOf('metadata'), extra },
    isHeader: true,
  };
}

/**
 * Streams a CSV of participants into a campaign, a batch per transaction: every row is created,
 * skipped (an open invite for the address exists, or it appeared earlier in the file) or
 * invalid (with the reason). Invalid rows never stop the others, and what was accepted before
 * a failure stays accepted.
 */
export function createInviteImporter(deps: { invites: InviteService; clock: Clock; vault: TokenVault }) {
  return {
    async import(organizationId: string, campaignId: string, source: Readable, options: ImportOptions): Promise<ImportReport> {
      const campaign = await deps.invites.campaignTakingInvites(organizationId, campaignId);
      resolveExpiry(options, undefined, deps.clock.now()); // refuses a past expiresAt before reading a row
      const report: ImportReport = { completed: false, total: 0, created: 0, skipped: 0, invalid: 0, rows: [] };
      const note = (row: ImportRow) => {
        report[row.outcome]++;
        if (row.outcome !== 'created' || options.fullReport) report.rows.push(row);
      };
      const seen = new Set<string>();
      let pending: Array<{ line: number; item: NewInvite }> = [];
      let columns: Columns | undefined;

      // Tokens for the next batch are sealed on a worker thread while this one is parsed and written.
      const prefetch = () => {
        const tokens = deps.vault.issueInBackground(batchSize);
        tokens.catch(() => undefined); // awaited at the next flush, if there is one
        return tokens;
      };
      let nextTokens = prefetch();
      const flush = async () => {
        if (pending.length === 0) return;
        const batch = pending;
        pending = [];
        const sealed = await nextTokens;
        nextTokens = prefetch();
        const ids = await deps.invites.createBatch(organizationId, campaign, batch.map((b) => b.item), options.sendEmail, sealed);
        batch.forEach(({ line, item }, i) => {
          const id = ids[i];
          note(
            id
              ? { line, email: item.email ?? null, outcome: 'created', inviteId: id }
              : { line, email: item.email ?? null, outcome: 'skipped', reason: 'an open invite for this address already exists in the campaign' },
          );
        });
      };

      /** Reads one data row into the pending batch, or notes why it is skipped or invalid. */
      const readRow = (record: string[], line: number, cols: Columns) => {
        report.total++;
        const cell = (index: number) => (index >= 0 ? (record[index] ?? '').trim() : '');
        const email = cell(cols.email) || null;
        try {
          if (email) {
            if (email.length > 254 || !emailPattern.test(email)) throw new Error('bad email: not a valid email address');
          } else if (options.sendEmail) {
            throw new Error('missing email (required when sendEmail is true)');
          }
          const name = cell(cols.name) || null;
          if (name && name.length > 200) throw new Error('name is longer than 200 characters');
          const metadata: Metadata = parseMetadataCell(cell(cols.metadata));
          for (const { index, key } of cols.extra) {
            const value = cell(index);
            if (value) metadata[key] = value;
          }
          const problem = metadataProblem(metadata);
          if (problem) throw new Error(`bad metadata: ${problem}`);
          const key = email?.toLowerCase();
          if (key && seen.has(key)) {
            note({ line, email, outcome: 'skipped', reason: 'the address appears earlier in this file' });
            return;
          }
          if (key) seen.add(key);
          const { expiresAt, expiresIn, emailTemplate } = options;
          pending.push({ line, item: { email: email ?? undefined, name, metadata, expiresAt, expiresIn, emailTemplate } });
        } catch (error) {
          note({ line, email, outcome: 'invalid', reason: (error as Error).message });
        }
      };

      const parser = parse({
        bom: true,
        relax_column_count: true,
        skip_empty_lines: true,
        skip_records_with_empty_values: true,
        skip_records_with_error: true,
        max_record_size: maxRecordBytes,
        info: true,
      });
      parser.on('skip', (error: Error & { lines?: number }) => {
        report.total++;
        note({ line: error.lines ?? 0, email: null, outcome: 'invalid', reason: `unreadable row: ${error.message}` });
      });
      // When the upload fails midway, the parser still gets to finish what it has: every
      // complete row received before the failure is imported.
      let failure: Error | undefined;
      let endsOnNewline = true;
      source.on('data', (chunk: Buffer | string) => {
        const last = chunk[chunk.length - 1];
        endsOnNewline = last === 10 || last === 13 || last === '\n' || last === '\r';
      });
      source.on('error', (error) => {
        failure = error;
        source.unpipe(parser);
        parser.end();
      });
      source.pipe(parser);

      let line = 0;
      try {
        // One row is held back until the next arrives: if the upload breaks, the last row may be cut short.
        let held: { record: string[]; line: number } | undefined;
        for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
          line = info.lines;
          if (!columns) {
            const header = readHeader(record);
            columns = header.columns;
            if (options.sendEmail && columns.email < 0) {
              throw new AppError('VALIDATION_ERROR', 'The CSV has no email column; add one, or import with sendEmail=false', {
                fields: [{ path: 'email', message: 'missing column' }],
              });
            }
            if (header.isHeader) continue;
          }
          if (held) readRow(held.record, held.line, columns);
          held = { record, line };
          if (pending.length >= batchSize) await flush();
        }
        if (held && columns) {
          if (failure && !endsOnNewline) {
            report.total++;
            note({ line: held.line, email: null, outcome: 'invalid', reason: 'incomplete row: the upload stopped inside it' });
          } else {
            readRow(held.record, held.line, columns);
          }
        }
        await flush();
        if (failure) throw failure;
        report.completed = true;
      } catch (error) {
        if (error instanceof AppError && report.total === 0) throw error;
        // Batches already written stay written; the report says where and why the import stopped.
        await flush().catch(() => undefined);
        report.error = { line, message: error instanceof Error ? error.message : String(error) };
      }
      report.rows.sort((a, b) => a.line - b.line);
      return report;
    },
  };
}

export type InviteImporter = ReturnType<typeof createInviteImporter>;
