import {
  Injectable,
  type DynamicModule,
  Inject,
  Logger,
  Module,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Pool } from 'pg';

import type { PostgresConfig } from '../config';
import { ReadinessRegistry } from '../health/readiness';
import { PG_POOL, type ServiceInfo } from '../tokens';

export function createPgPool(config: PostgresConfig, info: ServiceInfo): Pool {
  return new Pool({
    connectionString: config.DATABASE_URL,
    max: config.DATABASE_POOL_SIZE,
    application_name: `${info.name}-${info.instanceId}`,
    connectionTimeoutMillis: 2_000,
    idleTimeoutMillis: 30_000,
  });
}

@Injectable()
class PostgresLifecycle implements OnApplicationShutdown {
  private readonly logger = new Logger('postgres');

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    readiness: ReadinessRegistry,
  ) {
    // An idle client losing its connection is emitted here; unhandled, it would crash the process.
    pool.on('error', (error) => this.logger.warn(`PostgreSQL idle client: ${error.message}`));
    readiness.register({
      name: 'postgres',
      check: async () => {
        await this.pool.query('SELECT 1');
      },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

@Module({})
export class PostgresModule {
  static forRoot(config: PostgresConfig, info: ServiceInfo): DynamicModule {
    return {
      module: PostgresModule,
      global: true,
      providers: [
        { provide: PG_POOL, useFactory: () => createPgPool(config, info) },
        PostgresLifecycle,
      ],
      exports: [PG_POOL],
    };
  }
}
