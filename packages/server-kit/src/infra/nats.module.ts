import {
  Injectable,
  type DynamicModule,
  Inject,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ClientNats, type NatsOptions, Transport } from '@nestjs/microservices';
import type { NatsConnection } from '@nats-io/transport-node';

import type { NatsConfig } from '../config';
import { ReadinessRegistry } from '../health/readiness';
import { NATS_CLIENT, type ServiceInfo } from '../tokens';
import { natsAuthOptions } from './nats-auth';
import { NatsBus } from './nats-bus';
import { natsInboxPrefix } from './nats-permissions';

/**
 * Connection options shared by the kit's NATS client and the service's NATS microservice:
 * keep trying forever (a NATS restart must not kill the service), and name the connection
 * after the service instance so that `nats server report connections` tells who is who.
 * Authenticates with the service's own NATS user when one is configured, and takes replies on
 * the service's own inbox prefix (the only inbox its user may subscribe to). Pings the server
 * every NATS_PING_INTERVAL_MS, so that a silent partition is noticed (and reconnected from)
 * within NATS_PING_INTERVAL_MS × (NATS_MAX_PINGS_OUT + 1), not after nats.js's minutes.
 */
export function natsConnectionOptions(config: NatsConfig, info: ServiceInfo, role: string) {
  return {
    servers: config.NATS_URL,
    ...natsAuthOptions(config),
    inboxPrefix: natsInboxPrefix(info.name),
    name: `${info.name}-${info.instanceId}-${role}`,
    waitOnFirstConnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1_000,
    pingInterval: config.NATS_PING_INTERVAL_MS,
    maxPingOut: config.NATS_MAX_PINGS_OUT,
  };
}

/** Options for `app.connectMicroservice()`: the service's NATS server, in its queue group. */
export function natsMicroserviceOptions(config: NatsConfig, info: ServiceInfo): NatsOptions {
  return {
    transport: Transport.NATS,
    options: { ...natsConnectionOptions(config, info, 'server'), queue: info.name },
  };
}

@Injectable()
class NatsLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('nats');

  constructor(
    @Inject(NATS_CLIENT) private readonly client: ClientNats,
    private readonly bus: NatsBus,
    readiness: ReadinessRegistry,
  ) {
    readiness.register({
      name: 'nats',
      check: async () => {
        // Throws until the first connection exists; flush() waits for a PONG from the server.
        const connection = this.client.unwrap<NatsConnection>();
        if (connection.isClosed()) throw new Error('NATS connection closed');
        await connection.flush();
      },
    });
  }

  onApplicationBootstrap(): void {
    // Not awaited: the service starts and reports not-ready until NATS answers.
    this.client.connect().then(
      () => this.logger.log('connected to NATS'),
      (error: unknown) => this.logger.error(`NATS connection failed: ${String(error)}`),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.bus.drain();
    // A connection still being made when the application closes would open after close() and
    // keep the process alive: close it whenever it arrives.
    const pending = this.client.connect().then(
      (nc: NatsConnection) => nc,
      () => undefined,
    );
    await this.client.close();
    void pending.then((nc) => (nc && !nc.isClosed() ? nc.close() : undefined));
  }
}

@Module({})
export class NatsModule {
  static forRoot(config: NatsConfig, info: ServiceInfo): DynamicModule {
    return {
      module: NatsModule,
      global: true,
      providers: [
        {
          provide: NATS_CLIENT,
          useFactory: () => new ClientNats(natsConnectionOptions(config, info, 'client')),
        },
        {
          provide: NatsBus,
          inject: [NATS_CLIENT],
          useFactory: (client: ClientNats) =>
            new NatsBus(client, {
              concurrency: config.NATS_HANDLER_CONCURRENCY,
              queue: config.NATS_HANDLER_QUEUE_MAX,
            }),
        },
        NatsLifecycle,
      ],
      exports: [NATS_CLIENT, NatsBus],
    };
  }
}
