import {
  Injectable,
  type DynamicModule,
  Inject,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Redis } from 'ioredis';

import type { RedisConfig } from '../config';
import { ReadinessRegistry } from '../health/readiness';
import { RateLimiters } from '../rate-limiter';
import { REDIS, type ServiceInfo } from '../tokens';

/** Whether the service stays ready without Redis (see {@link RedisModule.forRoot}). */
const REDIS_OPTIONAL = Symbol('REDIS_OPTIONAL');

/**
 * A Redis connection that never queues commands while disconnected (callers get an error at
 * once instead of a hang) and reconnects with a capped back-off.
 */
export function createRedis(config: RedisConfig, info: ServiceInfo): Redis {
  return new Redis(config.REDIS_URL, {
    keyPrefix: config.REDIS_KEY_PREFIX,
    connectionName: `${info.name}-${info.instanceId}`,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
}

@Injectable()
class RedisLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('redis');
  private lastError = '';

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
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
    redis.on('error', (error: Error) => {
      // Reconnection repeats the same error every attempt: log each distinct one once.
      if (error.message !== this.lastError) this.logger.warn(`Redis: ${error.message}`);
      this.lastError = error.message;
    });
    redis.on('ready', () => {
      this.lastError = '';
      this.logger.log('connected to Redis');
    });
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
