import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { PG_POOL, SERVICE_CONFIG, applyPrismaMigrations } from '@cascade/server-kit';
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';

import type { RoomsConfig } from '../config';
import { PrismaClient } from '../generated/prisma/client';
import { MIGRATIONS_DIR } from './migrations-dir';

/**
 * The rooms database through Prisma (driver adapter over the kit's pg pool, no query engine).
 * Migrations are applied before any module uses it, unless `ROOMS_MIGRATE_ON_START=false`.
 */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleInit {
  private readonly logger = new Logger('database');

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(SERVICE_CONFIG) private readonly config: RoomsConfig,
  ) {
    super({ adapter: new PrismaPg(pool) });
  }

  async onModuleInit(): Promise<void> {
    if (!this.config.ROOMS_MIGRATE_ON_START) return;
    await applyPrismaMigrations(this.pool, MIGRATIONS_DIR, {
      info: (obj, msg) => this.logger.log({ ...obj, msg }),
    });
  }
}
