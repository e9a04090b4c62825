import { Readable } from 'node:stream';
import type { InviteFilter } from './invite.repository.js';
import type { InviteService } from './invite.service.js';

const columns = ['id', 'email', 'name', 'status', 'emailStatus', 'inviteUrl', 'expiresAt', 'createdAt', 'metadata'] as const;

/**
 * One CSV cell. Cells a spreadsheet would read as a formula (= + - @, tab, CR) get a leading
 * apostrophe, so exported participant data can never run as a formula.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'string' ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Streams a campaign's invites (optionally filtered) as CSV, a batch of rows at a time. */
export function createInviteExporter(deps: { invites: InviteService }) {
  return {
    async open(organizationId: string, campaignId: string, filter: InviteFilter): Promise<Readable> {
      const batches = await deps.invites.scan(organizationId, campaignId, filter);
      async function* lines() {
        yield `${columns.join(',')}\r\n`;
        for await (const batch of batches) {
          yield batch
            .map((invite) =>
              [
                invite.id, invite.email, invite.name, invite.status, invite.emailStatus, invite.inviteUrl,
                invite.expiresAt, invite.createdAt, Object.keys(invite.metadata).length > 0 ? invite.metadata : '',
              ]
                .map(csvCell)
                .join(','),
            )
            .join('\r\n') + '\r\n';
        }
      }
      return Readable.from(lines());
    },
  };
}

export type InviteExporter = ReturnType<typeof createInviteExporter>;
