import {
  type DynamicModule,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  type Provider,
  type Type,
} from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';

import type { BaseConfig, NatsConfig, PostgresConfig, RedisConfig } from './config';
import { ErrorEnvelopeFilter } from './errors.filter';
import { HealthController } from './health/health.controller';
import { ReadinessRegistry } from './health/readiness';
import { NatsModule } from './infra/nats.module';
import { PostgresModule } from './infra/postgres.module';
import { RedisModule } from './infra/redis.module';
import { nestLoggerParams } from './logging';
import { HttpMetricsMiddleware } from './metrics/http-metrics.middleware';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsService } from './metrics/metrics.service';
import { SERVICE_CONFIG, SERVICE_INFO, type ServiceInfo } from './tokens';

/** Which shared infrastructure a service uses; each one adds a connection and a readiness check. */
export interface ServiceDependencies {
  nats?: boolean;
  /** `'optional'`: connected and reported, but the service stays ready without it. */
  redis?: boolean | 'optional';
  postgres?: boolean;
}

export interface ServiceKitOptions<C extends BaseConfig> {
  info: ServiceInfo;
  config: C;
  uses: ServiceDependencies;
  /** The service's own capability modules. */
  imports: Array<Type | DynamicModule>;
}

/**
 * What every Cascade service has, once: validated configuration (`SERVICE_CONFIG`), pino logs
 * with request ids, `/healthz`, `/readyz`, `/metrics`, the error envelope on HTTP errors, and the
 * connections it declared (NATS, Redis, PostgreSQL) with their readiness checks.
 */
@Module({})
export class ServiceKitModule implements NestModule {
  static forRoot<C extends BaseConfig>(options: ServiceKitOptions<C>): DynamicModule {
    const { info, config, uses } = options;
    const providers: Provider[] = [
      { provide: SERVICE_CONFIG, useValue: config },
      { provide: SERVICE_INFO, useValue: info },
      { provide: MetricsService, useFactory: () => new MetricsService(info.name) },
      { provide: ReadinessRegistry, useFactory: () => new ReadinessRegistry() },
      { provide: APP_FILTER, useClass: ErrorEnvelopeFilter },
    ];
    const infra: DynamicModule[] = [];
    if (uses.nats) infra.push(NatsModule.forRoot(config as C & NatsConfig, info));
    if (uses.redis)
      infra.push(RedisModule.forRoot(config as C & RedisConfig, info, uses.redis === 'optional'));
    if (uses.postgres) infra.push(PostgresModule.forRoot(config as C & PostgresConfig, info));

    const core: DynamicModule = {
      module: ServiceKitCoreModule,
      global: true,
      providers,
      exports: [SERVICE_CONFIG, SERVICE_INFO, MetricsService, ReadinessRegistry],
    };
    return {
      module: ServiceKitModule,
      imports: [
        LoggerModule.forRoot(
          nestLoggerParams({
            service: info.name,
            version: info.version,
            instanceId: info.instanceId,
            level: config.LOG_LEVEL,
          }),
        ),
        core,
        ...infra,
        ...options.imports,
      ],
      controllers: [HealthController, MetricsController],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*path');
  }
}

@Module({})
class ServiceKitCoreModule {}
