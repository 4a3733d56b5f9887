import 'reflect-metadata';

import { hostname } from 'node:os';

import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { deriveNodeId } from '@cascade/contracts';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import type { Logger as PinoLogger } from 'pino';
import type { z } from 'zod';

import { type BaseConfig, ConfigError, type NatsConfig, loadConfig } from './config';
import { assertNatsAuth } from './infra/nats-auth';
import { natsMicroserviceOptions } from './infra/nats.module';
import { createStandaloneLogger } from './logging';
import { useSecurityHeaders } from './security-headers';
import { type ServiceDependencies, ServiceKitModule } from './service-kit.module';
import type { ServiceInfo } from './tokens';

export interface ServiceDefinition<S extends z.ZodType<BaseConfig>> {
  /** Service name, as in logs, metrics, NATS queue groups: `gateway`, `sfu-node`. */
  name: string;
  version: string;
  configSchema: S;
  uses: ServiceDependencies;
  /** The service's own modules, built from its validated configuration. */
  modules: (config: z.output<S>) => Array<Type | DynamicModule>;
  /**
   * How long a SIGTERM may take before the process exits 1 anyway. Default:
   * `SHUTDOWN_TIMEOUT_MS`; a service that drains (sfu-node) adds its grace period.
   */
  shutdownTimeoutMs?: (config: z.output<S>) => number;
  /**
   * Runs on the created application before it listens: what needs the application object
   * itself (OpenAPI documents at `/docs`, for instance).
   */
  configureApp?: (app: INestApplication, config: z.output<S>) => void | Promise<void>;
}

export interface RunningService<C> {
  app: INestApplication;
  config: C;
  info: ServiceInfo;
  /** Closes the application; resolves when everything it opened is closed. */
  stop(): Promise<void>;
}

/**
 * This process among its service's replicas: the host (pod) name and the pid, made a valid
 * identifier by the same rule as SFU node ids, since it can name a NATS subject too.
 */
function instanceId(): string {
  return deriveNodeId(`${process.env['HOSTNAME'] || hostname()}-${process.pid}`);
}

/**
 * Boots a service: configuration, Nest application, security headers, HTTP listener, NATS
 * microservice, signal handling. On a configuration error it logs which variable is wrong and exits 1; on SIGTERM or
 * SIGINT it closes everything and exits 0, or exits 1 if that takes longer than
 * `SHUTDOWN_TIMEOUT_MS`.
 */
export async function runService<S extends z.ZodType<BaseConfig>>(
  definition: ServiceDefinition<S>,
): Promise<RunningService<z.output<S>>> {
  const info: ServiceInfo = {
    name: definition.name,
    version: definition.version,
    instanceId: instanceId(),
  };
  const early = createStandaloneLogger(
    { service: info.name, version: info.version, instanceId: info.instanceId, level: 'info' },
    2,
  );

  let config: z.output<S>;
  try {
    config = loadConfig(definition.name, definition.configSchema);
    if (definition.uses.nats) assertNatsAuth(definition.name, config as unknown as NatsConfig);
  } catch (error) {
    if (error instanceof ConfigError) {
      early.fatal({ problems: error.problems }, error.message);
      process.exit(1);
    }
    throw error;
  }
  installProcessGuards(early);

  let app: INestApplication;
  try {
    app = await NestFactory.create(
      ServiceKitModule.forRoot({
        info,
        config,
        uses: definition.uses,
        imports: definition.modules(config),
      }),
      { bufferLogs: true, abortOnError: false },
    );
  } catch (error) {
    early.fatal({ err: error }, `${definition.name} failed to start`);
    process.exit(1);
  }
  app.useLogger(app.get(Logger));
  useSecurityHeaders(app);
  await definition.configureApp?.(app, config);

  if (definition.uses.nats) {
    app.connectMicroservice(natsMicroserviceOptions(config as BaseConfig & NatsConfig, info), {
      inheritAppConfig: true,
    });
  }

  await app.listen(config.HTTP_PORT, config.HTTP_HOST);
  const logger = app.get(Logger);
  logger.log(
    `${info.name} listening on http://${config.HTTP_HOST}:${config.HTTP_PORT}`,
    'bootstrap',
  );
  const stop = installSignalHandlers(
    app,
    early,
    definition.shutdownTimeoutMs?.(config) ?? config.SHUTDOWN_TIMEOUT_MS,
  );
  // Resolves once NATS is connected; until then /readyz says which dependency is missing.
  await app.startAllMicroservices();
  logger.log(`${info.name} started`, 'bootstrap');
  return { app, config, info, stop };
}

function installProcessGuards(logger: PinoLogger): void {
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason }, 'unhandled promise rejection');
  });
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception; exiting');
    process.exit(1);
  });
}

function installSignalHandlers(
  app: INestApplication,
  logger: PinoLogger,
  timeoutMs: number,
): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= app.close());
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal during shutdown; exiting now');
      process.exit(1);
    }
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown did not finish in time; exiting');
      process.exit(1);
    }, timeoutMs);
    stop().then(
      () => {
        clearTimeout(deadline);
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return stop;
}

/** The `version` of the package.json one level above `dir` (a service's `src` or `dist`). */
export function packageVersion(dir: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pkg = require(`${dir}/../package.json`) as { version?: string };
  return pkg.version ?? '0.0.0';
}
