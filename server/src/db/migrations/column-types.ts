import type { Kysely } from 'kysely';
import { PostgresAdapter } from 'kysely';

/** Column types per dialect; migrations are frozen in time and share only this file. */
export interface ColumnTypes {
  timestamp: 'timestamptz' | 'text';
  json: 'jsonb' | 'text';
  bigint: 'bigint' | 'integer';
}

export function columnTypes(db: Kysely<unknown>): ColumnTypes {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  return pg
    ? { timestamp: 'timestamptz', json: 'jsonb', bigint: 'bigint' }
    : { timestamp: 'text', json: 'text', bigint: 'integer' };
}
