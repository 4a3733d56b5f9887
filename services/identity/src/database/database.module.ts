import { join } from 'node:path';

import { PG_POOL, SERVICE_CONFIG, applyPrismaMigrations } from '@cascade/server-kit';
import { Global, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';

import { IdentityConfig } from '../config';
import { PrismaClient } from '../generated/prisma/client';

export const MIGRATIONS_DIR = join(__dirname, '..', '..', 'prisma', 'migrations');

/** Identity's database: Prisma over the kit's pg pool, migrated at start unless told not to. */
@Injectable()
export class Database implements OnApplicationShutdown {
  readonly prisma: PrismaClient;

  constructor(pool: Pool) {
    this.prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.prisma.$disconnect();
  }
}

@Global()
@Module({
  providers: [
    {
      provide: Database,
      inject: [PG_POOL, SERVICE_CONFIG],
      useFactory: async (pool: Pool, config: IdentityConfig) => {
        if (config.IDENTITY_MIGRATE_ON_START) {
          const logger = new Logger('migrations');
          await applyPrismaMigrations(pool, MIGRATIONS_DIR, {
            info: (obj, msg) => logger.log({ ...obj, msg }),
          });
        }
        return new Database(pool);
      },
    },
  ],
  exports: [Database],
})
export class DatabaseModule {}
