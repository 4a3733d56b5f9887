import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

import type { Pool, PoolClient } from 'pg';

/**
 * Applies migrations kept in Prisma's layout (`<dir>/<name>/migration.sql`) and keeps Prisma's
 * own bookkeeping table, `_prisma_migrations`, exactly as `prisma migrate deploy` would, so that
 * the Prisma CLI can take over wherever its schema engine can run.
 *
 * - Migrations run in lexical order of their directory names, each in its own transaction
 *   together with its bookkeeping row: a failing migration leaves nothing behind.
 * - A session advisory lock (the same key Prisma's schema engine takes) serializes replicas
 *   that start together: the second waits, then finds nothing left to apply.
 * - The checksum is the SHA-256 (hex) of the file, as Prisma computes it; an applied migration
 *   whose file changed since is refused, as is a migration Prisma recorded as failed.
 */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

export interface MigrationLogger {
  info(obj: object, msg: string): void;
}

/** Prisma's schema engine locks with this key (`72707369`), so the CLI and we exclude each other. */
export const PRISMA_MIGRATION_LOCK_KEY = 72707369;

const CREATE_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(sql, 'utf8').digest('hex');
}

/** Prisma accepts a file whose checksum matches either as written or with CRLF made LF. */
function checksumMatches(file: MigrationFile, recorded: string): boolean {
  return (
    file.checksum === recorded || migrationChecksum(file.sql.replace(/\r\n/g, '\n')) === recorded
  );
}

/** The migrations in `dir`, in the order they apply. Directories without `migration.sql` are skipped. */
export async function readMigrations(dir: string): Promise<MigrationFile[]> {
  if (!existsSync(dir)) throw new MigrationError(`migrations directory ${dir} does not exist`);
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'migration.sql')))
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: migrationChecksum(sql) };
    }),
  );
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

export async function applyPrismaMigrations(
  pool: Pool,
  migrationsDir: string,
  log?: MigrationLogger,
): Promise<{ applied: string[] }> {
  const migrations = await readMigrations(migrationsDir);
  const client = await pool.connect();
  let locked = false;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATION_LOCK_KEY]);
    locked = true;
    await client.query(CREATE_TABLE);
    const { rows } = await client.query<AppliedRow>(
      `SELECT migration_name, checksum, finished_at, rolled_back_at
         FROM "_prisma_migrations" ORDER BY started_at`,
    );
    const pending = plan(migrations, rows);
    const applied: string[] = [];
    for (const migration of pending) {
      await applyOne(client, migration);
      applied.push(migration.name);
      log?.info({ migration: migration.name }, 'applied database migration');
    }
    if (applied.length === 0)
      log?.info({ migrations: migrations.length }, 'database is up to date');
    return { applied };
  } finally {
    if (locked)
      await client
        .query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATION_LOCK_KEY])
        .catch(() => undefined);
    client.release();
  }
}

/** Which migrations still need to run; refuses a history that Prisma would refuse too. */
function plan(migrations: MigrationFile[], rows: AppliedRow[]): MigrationFile[] {
  const live = rows.filter((r) => r.rolled_back_at === null);
  const failed = live.find((r) => r.finished_at === null);
  if (failed)
    throw new MigrationError(
      `migration ${failed.migration_name} failed earlier and was not rolled back; ` +
        'resolve it (prisma migrate resolve) before applying more',
    );
  const appliedByName = new Map(live.map((r) => [r.migration_name, r]));
  for (const migration of migrations) {
    const row = appliedByName.get(migration.name);
    if (row && !checksumMatches(migration, row.checksum))
      throw new MigrationError(
        `migration ${migration.name} was modified after it was applied ` +
          `(checksum ${row.checksum} recorded, file has ${migration.checksum}); ` +
          'add a new migration instead of editing an applied one',
      );
  }
  return migrations.filter((m) => !appliedByName.has(m.name));
}

async function applyOne(client: PoolClient, migration: MigrationFile): Promise<void> {
  const id = randomUUID();
  await client.query('BEGIN');
  try {
    await client.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
       VALUES ($1, $2, $3, now(), 0)`,
      [id, migration.checksum, migration.name],
    );
    // The simple query protocol (no parameters) runs a multi-statement script.
    await client.query(migration.sql);
    await client.query(
      `UPDATE "_prisma_migrations" SET finished_at = clock_timestamp(), applied_steps_count = 1
        WHERE id = $1`,
      [id],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw new MigrationError(
      `migration ${migration.name} failed and was rolled back: ${(error as Error).message}`,
    );
  }
}
