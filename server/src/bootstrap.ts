import { sql } from 'kysely';
import type { Clock } from './core/clock.js';
import type { Db } from './db/database.js';
import { createApiKeyService } from './modules/api-keys/api-key.service.js';
import { createOrganizationService, type Organization } from './modules/organizations/organization.service.js';
import type { Plan } from './modules/organizations/plans.js';
import type { Scope } from './modules/api-keys/scopes.js';

/** Serialises set-up work across processes sharing one PostgreSQL database. */
const bootstrapLockId = 727_401;

async function exclusively<T>(db: Db, work: (scoped: Db) => Promise<T>): Promise<T> {
  return db.kysely.transaction().execute(async (trx) => {
    if (db.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${bootstrapLockId})`.execute(trx);
    return work({ ...db, kysely: trx });
  });
}

/**
 * On the first start with an empty database: one organization and one admin key, returned
 * so the caller can show it once. Later starts (and racing processes) get undefined.
 */
export async function ensureFirstOrganization(db: Db, clock: Clock): Promise<{ organization: Organization; key: string } | undefined> {
  return exclusively(db, async (scoped) => {
    const organizations = createOrganizationService({ db: scoped, clock, publicUrl: '' });
    if ((await organizations.count()) > 0) return undefined;
    const organization = await organizations.create({ name: 'My organization', plan: 'professional' });
    const created = await createApiKeyService({ db: scoped, clock }).create({
      organizationId: organization.id,
      name: 'First admin key',
    });
    return { organization, key: created.key };
  });
}

/** `parley api-keys create`: finds or creates the organization by name, then adds a key. */
export async function createKeyForOrganization(
  db: Db,
  clock: Clock,
  input: { org: string; plan?: Plan | undefined; scopes?: Scope[] | undefined; name?: string | undefined; rateLimit?: number | undefined },
): Promise<{ organization: Organization; organizationCreated: boolean; key: string; keyId: string; scopes: Scope[] }> {
  return exclusively(db, async (scoped) => {
    const organizations = createOrganizationService({ db: scoped, clock, publicUrl: '' });
    let organization = await organizations.findByName(input.org);
    const organizationCreated = !organization;
    if (!organization) {
      organization = await organizations.create({
        name: input.org,
        plan: input.plan ?? 'professional',
        rateLimitPerMinute: input.rateLimit ?? null,
      });
    } else if (input.plan || input.rateLimit) {
      organization = await organizations.setPlan(
        organization.id,
        input.plan ?? (organization.plan as Plan),
        input.rateLimit ?? null,
      );
    }
    const created = await createApiKeyService({ db: scoped, clock }).create({
      organizationId: organization.id,
      name: input.name ?? 'CLI key',
      scopes: input.scopes,
    });
    return { organization, organizationCreated, key: created.key, keyId: created.id, scopes: created.scopes };
  });
}
