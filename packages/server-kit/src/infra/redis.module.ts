import {
  Injectable,
  type DynamicModule,
  Inject,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';

import type { RedisConfig } from '../config';
import { ReadinessRegistry } from '../health/readiness';
import { RateLimiters } from '../rate-limiter';
import { REDIS, type ServiceInfo } from '../tokens';
import { type RedisClient, createRedis, logRedisErrors } from './redis-client';

/** Whether the service stays ready without Redis (see {@link RedisModule.forRoot}). */
const REDIS_OPTIONAL = Symbol('REDIS_OPTIONAL');

@Injectable()
class RedisLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('redis');

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(REDIS_OPTIONAL) optional: boolean,
    readiness: ReadinessRegistry,
  ) {
    readiness.register({
      name: 'redis',
      optional,
      check: async () => {
        if (this.redis.status !== 'ready') throw new Error(`Redis connection ${this.redis.status}`);
        await this.redis.ping();
      },
    });
    logRedisErrors(
      redis,
      (message) => this.logger.warn(`Redis: ${message}`),
      () => this.logger.log('connected to Redis'),
    );
  }

  onApplicationBootstrap(): void {
    this.redis.connect().catch(() => undefined); // errors arrive on 'error'; retries continue
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
  }
}

@Module({})
export class RedisModule {
  /**
   * `optional`: the service keeps serving without Redis (its rate limits count in memory
   * meanwhile), so Redis is reported by `/readyz` but does not make the service unready.
   */
  static forRoot(config: RedisConfig, info: ServiceInfo, optional = false): DynamicModule {
    return {
      module: RedisModule,
      global: true,
      providers: [
        { provide: REDIS, useFactory: () => createRedis(config, info) },
        { provide: REDIS_OPTIONAL, useValue: optional },
        RedisLifecycle,
        RateLimiters,
      ],
      exports: [REDIS, RateLimiters],
    };
  }
}
