import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.js';
import { notFound } from '../../core/errors.js';
import type { Db } from '../../db/database.js';
import type { Database } from '../../db/schema.js';
import { page, type Page } from '../../http/schemas.js';

export const suppressionReasons = ['hard_bounce', 'soft_bounces', 'complaint', 'unsubscribe', 'manual'] as const;
export type SuppressionReason = (typeof suppressionReasons)[number];

export interface Suppression {
  email: string;
  reason: SuppressionReason;
  detail: string | null;
  createdAt: string;
}

const normalize = (email: string) => email.trim().toLowerCase();

/** Addresses an organization never emails again, and why. */
export function createSuppressionService(deps: { db: Db; clock: Clock }) {
  const db = deps.db.kysely;
  return {
    /** Adds the address (first reason wins); safe to repeat, and usable inside a transaction. */
    async add(organizationId: string, email: string, reason: SuppressionReason, detail: string | null, executor: Kysely<Database> = db): Promise<void> {
      await executor
        .insertInto('suppressions')
        .values({ organization_id: organizationId, email: normalize(email), reason, detail, created_at: deps.clock.now().toISOString() })
        .onConflict((oc) => oc.columns(['organization_id', 'email']).doNothing())
        .execute();
    },

    async suppressedAmong(organizationId: string, emails: string[], executor: Kysely<Database> = db): Promise<Set<string>> {
      if (emails.length === 0) return new Set();
      const rows = await executor
        .selectFrom('suppressions')
        .select('email')
        .where('organization_id', '=', organizationId)
        .where('email', 'in', emails.map(normalize))
        .execute();
      return new Set(rows.map((r) => r.email));
    },

    async list(organizationId: string, filter: { email?: string | undefined; reason?: string | undefined }, limit: number, offset: number): Promise<Page<Suppression>> {
      let q = db.selectFrom('suppressions').where('organization_id', '=', organizationId);
      if (filter.email) q = q.where('email', '=', normalize(filter.email));
      if (filter.reason) q = q.where('reason', '=', filter.reason);
      const [rows, total] = await Promise.all([
        q.selectAll().orderBy('created_at', 'desc').orderBy('email').limit(limit).offset(offset).execute(),
        q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return page(
        rows.map((r) => ({ email: r.email, reason: r.reason as SuppressionReason, detail: r.detail, createdAt: r.created_at })),
        Number(total.n),
        limit,
        offset,
      );
    },

    async get(organizationId: string, email: string): Promise<Suppression> {
      const row = await db.selectFrom('suppressions').selectAll().where('organization_id', '=', organizationId).where('email', '=', normalize(email)).executeTakeFirst();
      if (!row) throw notFound('Suppression', email);
      return { email: row.email, reason: row.reason as SuppressionReason, detail: row.detail, createdAt: row.created_at };
    },

    async remove(organizationId: string, email: string): Promise<void> {
      const result = await db.deleteFrom('suppressions').where('organization_id', '=', organizationId).where('email', '=', normalize(email)).executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) throw notFound('Suppression', email);
    },
  };
}

export type SuppressionService = ReturnType<typeof createSuppressionService>;
