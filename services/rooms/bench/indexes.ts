import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Pool } from 'pg';

import { MIGRATIONS_DIR } from '../src/database/migrations-dir';

/** The migration whose indexes are measured, and the one whose indexes it replaces. */
export const SEARCH_MIGRATION = '20261206000000_room_search';
const INIT_MIGRATION = '20250601000000_init';

export type IndexMode = 'without' | 'with';

export interface IndexStates {
  /** `CREATE INDEX` statements of the search migration, by index name. */
  added: Map<string, string>;
  /** Indexes of earlier migrations that the search migration drops, with their definitions. */
  replaced: Map<string, string>;
}

function statements(migration: string): string[] {
  const sql = readFileSync(join(MIGRATIONS_DIR, migration, 'migration.sql'), 'utf8');
  return sql
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n')
    .split(';')
    .map((s) => s.replace(/\s+/g, ' ').trim())
    .filter((s) => s !== '');
}

const nameOf = (statement: string, pattern: RegExp) => pattern.exec(statement)?.[1];

/**
 * The indexes to switch between, read from the migrations themselves, so that the benchmark
 * measures exactly what the migration creates: "with" is the state after the migration, "without"
 * the state before it (its indexes gone, the ones it drops back).
 */
export function readIndexStates(): IndexStates {
  const added = new Map<string, string>();
  const dropped: string[] = [];
  for (const s of statements(SEARCH_MIGRATION)) {
    const created = nameOf(s, /^CREATE INDEX (?:IF NOT EXISTS )?"([^"]+)"/i);
    if (created) added.set(created, s);
    const gone = nameOf(s, /^DROP INDEX (?:IF EXISTS )?"([^"]+)"/i);
    if (gone) dropped.push(gone);
  }
  const replaced = new Map<string, string>();
  for (const s of statements(INIT_MIGRATION)) {
    const created = nameOf(s, /^CREATE INDEX (?:IF NOT EXISTS )?"([^"]+)"/i);
    if (created && dropped.includes(created)) replaced.set(created, s);
  }
  if (added.size === 0) throw new Error(`no CREATE INDEX found in ${SEARCH_MIGRATION}`);
  return { added, replaced };
}

/** Puts the rooms table's indexes in `mode`, then ANALYZE. Returns the indexes present. */
export async function applyIndexMode(
  pool: Pool,
  states: IndexStates,
  mode: IndexMode,
): Promise<string[]> {
  const [drop, create] =
    mode === 'with' ? [states.replaced, states.added] : [states.added, states.replaced];
  for (const name of drop.keys()) await pool.query(`DROP INDEX IF EXISTS "${name}"`);
  for (const sql of create.values()) await pool.query(sql);
  await pool.query('ANALYZE rooms');
  const { rows } = await pool.query<{ indexname: string }>(
    "SELECT indexname FROM pg_indexes WHERE tablename = 'rooms' ORDER BY indexname",
  );
  return rows.map((r) => r.indexname);
}
