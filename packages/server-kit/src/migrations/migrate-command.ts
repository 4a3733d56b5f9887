import { Pool } from 'pg';
import { z } from 'zod';

import { ConfigError, loadConfig, postgresEnv } from '../config';
import { createStandaloneLogger } from '../logging';
import { applyPrismaMigrations } from './prisma-migrations';

/**
 * The body of a service's `migrate` command (`npm run migrate`): applies the migrations in
 * `migrationsDir` to `DATABASE_URL`, logs what it did, and exits 0, or 1 with the reason.
 */
export async function runMigrateCommand(service: string, migrationsDir: string): Promise<never> {
  const logger = createStandaloneLogger(
    { service, version: 'migrate', instanceId: String(process.pid), level: 'info' },
    1,
  );
  let pool: Pool | undefined;
  try {
    const config = loadConfig(service, z.object(postgresEnv));
    pool = new Pool({ connectionString: config.DATABASE_URL, max: 1 });
    const { applied } = await applyPrismaMigrations(pool, migrationsDir, logger);
    logger.info({ applied }, `${applied.length} migration(s) applied`);
    await pool.end();
    process.exit(0);
  } catch (error) {
    if (error instanceof ConfigError) logger.fatal({ problems: error.problems }, error.message);
    else logger.fatal({ err: error }, 'migration failed');
    await pool?.end().catch(() => undefined);
    process.exit(1);
  }
}
