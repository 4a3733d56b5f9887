import { randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Client, Pool } from 'pg';

import {
  MigrationError,
  applyPrismaMigrations,
  migrationChecksum,
} from '../src/migrations/prisma-migrations';

const ADMIN_URL =
  process.env['DATABASE_URL'] ?? 'postgresql://postgres:postgres@127.0.0.1:5432/postgres';

/** A database of its own per test and a migrations directory to write into. */
function useScratchDatabase() {
  const state: { pool?: Pool; dir?: string; database?: string } = {};
  const admin = async (sql: string) => {
    const c = new Client({ connectionString: ADMIN_URL });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  beforeEach(async () => {
    state.database = `cascade_migr_${randomBytes(4).toString('hex')}`;
    await admin(`CREATE DATABASE "${state.database}"`);
    const url = new URL(ADMIN_URL);
    url.pathname = `/${state.database}`;
    state.pool = new Pool({ connectionString: url.toString(), max: 4 });
    state.dir = mkdtempSync(join(tmpdir(), 'migrations-'));
  });
  afterEach(async () => {
    await state.pool?.end();
    rmSync(state.dir!, { recursive: true, force: true });
    await admin(`DROP DATABASE IF EXISTS "${state.database}" WITH (FORCE)`);
  });
  return {
    pool: () => state.pool!,
    dir: () => state.dir!,
    write(name: string, sql: string) {
      mkdirSync(join(state.dir!, name), { recursive: true });
      writeFileSync(join(state.dir!, name, 'migration.sql'), sql);
    },
  };
}

describe('applyPrismaMigrations', () => {
  const db = useScratchDatabase();

  it('applies migrations in lexical order and records them as Prisma does', async () => {
    db.write('20240102000000_second', 'ALTER TABLE thing ADD COLUMN label TEXT;');
    db.write('20240101000000_first', 'CREATE TABLE thing (id INT PRIMARY KEY);');
    writeFileSync(join(db.dir(), 'migration_lock.toml'), 'provider = "postgresql"\n');

    const result = await applyPrismaMigrations(db.pool(), db.dir());

    expect(result.applied).toEqual(['20240101000000_first', '20240102000000_second']);
    const { rows } = await db
      .pool()
      .query(
        'SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name',
      );
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      checksum: migrationChecksum('CREATE TABLE thing (id INT PRIMARY KEY);'),
      migration_name: '20240101000000_first',
      logs: null,
      rolled_back_at: null,
      applied_steps_count: 1,
      finished_at: expect.any(Date),
      started_at: expect.any(Date),
    });
    expect(rows[0].id).toMatch(/^[0-9a-f-]{36}$/);
    await db.pool().query("INSERT INTO thing (id, label) VALUES (1, 'x')");
  });

  it('has exactly the columns and types of Prisma’s bookkeeping table', async () => {
    db.write('1_init', 'SELECT 1;');
    await applyPrismaMigrations(db.pool(), db.dir());
    const { rows } = await db.pool().query(
      `SELECT column_name, data_type, is_nullable, character_maximum_length
         FROM information_schema.columns WHERE table_name = '_prisma_migrations'
        ORDER BY ordinal_position`,
    );
    expect(rows.map((r) => [r.column_name, r.data_type, r.is_nullable])).toEqual([
      ['id', 'character varying', 'NO'],
      ['checksum', 'character varying', 'NO'],
      ['finished_at', 'timestamp with time zone', 'YES'],
      ['migration_name', 'character varying', 'NO'],
      ['logs', 'text', 'YES'],
      ['rolled_back_at', 'timestamp with time zone', 'YES'],
      ['started_at', 'timestamp with time zone', 'NO'],
      ['applied_steps_count', 'integer', 'NO'],
    ]);
  });

  it('applies only what is new on the next start', async () => {
    db.write('1_init', 'CREATE TABLE a (id INT);');
    await applyPrismaMigrations(db.pool(), db.dir());
    db.write('2_more', 'CREATE TABLE b (id INT);');
    expect((await applyPrismaMigrations(db.pool(), db.dir())).applied).toEqual(['2_more']);
    expect((await applyPrismaMigrations(db.pool(), db.dir())).applied).toEqual([]);
  });

  it('lets one of several replicas starting together apply each migration once', async () => {
    db.write('1_init', 'CREATE TABLE a (id INT); SELECT pg_sleep(0.2);');
    db.write('2_more', 'CREATE TABLE b (id INT);');
    const results = await Promise.all(
      [1, 2, 3].map(() => applyPrismaMigrations(db.pool(), db.dir())),
    );
    expect(results.flatMap((r) => r.applied).sort()).toEqual(['1_init', '2_more']);
    const { rows } = await db.pool().query('SELECT count(*)::int AS n FROM _prisma_migrations');
    expect(rows[0].n).toBe(2);
  });

  it('refuses to start when an applied migration was edited', async () => {
    db.write('1_init', 'CREATE TABLE a (id INT);');
    await applyPrismaMigrations(db.pool(), db.dir());
    db.write('1_init', 'CREATE TABLE a (id BIGINT);');
    await expect(applyPrismaMigrations(db.pool(), db.dir())).rejects.toThrow(
      /migration 1_init was modified after it was applied/,
    );
  });

  it('rolls back a failing migration completely and records nothing for it', async () => {
    db.write('1_init', 'CREATE TABLE a (id INT);');
    db.write('2_broken', 'CREATE TABLE b (id INT); SELECT * FROM no_such_table;');
    const error = await applyPrismaMigrations(db.pool(), db.dir()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toMatch(/2_broken failed and was rolled back.*no_such_table/);
    const { rows } = await db.pool().query('SELECT migration_name FROM _prisma_migrations');
    expect(rows.map((r) => r.migration_name)).toEqual(['1_init']);
    const tables = await db.pool().query("SELECT to_regclass('b') AS b");
    expect(tables.rows[0].b).toBeNull();
  });

  it('refuses a history where Prisma recorded a failed migration', async () => {
    db.write('1_init', 'CREATE TABLE a (id INT);');
    await applyPrismaMigrations(db.pool(), db.dir());
    await db
      .pool()
      .query(
        "INSERT INTO _prisma_migrations (id, checksum, migration_name) VALUES (gen_random_uuid()::text, 'x', '2_failed')",
      );
    await expect(applyPrismaMigrations(db.pool(), db.dir())).rejects.toThrow(
      /2_failed failed earlier/,
    );
  });

  it('says which directory is missing', async () => {
    await expect(applyPrismaMigrations(db.pool(), join(db.dir(), 'nope'))).rejects.toThrow(
      /does not exist/,
    );
  });
});
