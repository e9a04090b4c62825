import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001_foundation.js';
import * as m0002 from './0002_invites.js';
import * as m0003 from './0003_email.js';
import * as m0004 from './0004_sessions.js';

/** Every migration, in order. Names are permanent: never rename or edit a shipped one. */
const all: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_invites': m0002,
  '0003_email': m0003,
  '0004_sessions': m0004,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => all,
};
