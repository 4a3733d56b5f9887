import { Inject, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import {
  type ClientToServerEvents,
  SIGNALING_MAX_BYTES,
  type ServerToClientEvents,
  type SignalingEventName,
  type SignalingEventOf,
} from '@cascade/contracts';
import {
  NatsBus,
  type RedisClient,
  SERVICE_CONFIG,
  SERVICE_INFO,
  type ServiceInfo,
  connectRedis,
  logRedisErrors,
} from '@cascade/server-kit';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { Server, type ServerOptions, type Socket } from 'socket.io';

import type { GatewayConfig } from '../config';
import { NatsTenantOrigins, type TenantOriginSource } from '../cors/tenant-origins';
import type { Broadcaster } from './broadcaster';
import { type ParticipantRef, participantChannel, roomChannel, userChannel } from './channels';
import type { SocketData } from './socket-data';

export type SignalingServerIo = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;
export type GatewaySocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;

/** The `cors` module's per-request options, as Engine.IO takes them. */
type CorsOptionsDelegate = Extract<
  NonNullable<ServerOptions['cors']>,
  (...args: never[]) => unknown
>;

/** Room for Socket.IO's own framing around the largest payload the protocol accepts. */
const FRAMING_SLACK_BYTES = 16 * 1024;

/**
 * The Socket.IO server (attached to the HTTP server by the signaling module) and its Redis
 * adapter, through which an event emitted on one instance reaches the sockets of every instance.
 * It is the gateway's {@link Broadcaster}.
 */
@Injectable()
export class SocketIoServer implements Broadcaster, OnApplicationShutdown {
  private readonly logger = new Logger('socket.io');
  readonly io: SignalingServerIo;
  readonly #pub: RedisClient;
  readonly #sub: RedisClient;

  constructor(
    @Inject(SERVICE_CONFIG) config: GatewayConfig,
    @Inject(SERVICE_INFO) info: ServiceInfo,
    bus: NatsBus,
  ) {
    this.io = new Server({
      path: '/socket.io',
      transports: ['websocket', 'polling'],
      serveClient: false,
      maxHttpBufferSize: SIGNALING_MAX_BYTES + FRAMING_SLACK_BYTES,
      cors: corsForOrigins(
        config.GATEWAY_CORS_ORIGINS,
        new NatsTenantOrigins(bus, config.NATS_SUBJECT_PREFIX, config.GATEWAY_REQUEST_TIMEOUT_MS, {
          warn: (message) => this.logger.warn(message),
        }),
      ),
    });
    // Pub/sub channels are not keys: no key prefix on these connections; the adapter's key
    // carries the deployment's prefix instead. On a Redis Cluster the sharded adapter's
    // subscriber holds one connection per master (SSUBSCRIBE goes to the shard of the channel).
    const sharded = config.GATEWAY_SOCKETIO_ADAPTER === 'sharded';
    this.#pub = connectRedis(config, {
      connectionName: `gateway-${info.instanceId}-adapter-pub`,
      keyPrefix: false,
    });
    this.#sub = connectRedis(config, {
      connectionName: `gateway-${info.instanceId}-adapter-sub`,
      keyPrefix: false,
      shardedSubscriber: sharded,
    });
    for (const [name, client] of [
      ['pub', this.#pub],
      ['sub', this.#sub],
    ] as const)
      logRedisErrors(client, (message) => this.logger.warn(`Redis adapter (${name}): ${message}`));
    // Classic: PUBLISH/PSUBSCRIBE, which Redis Cluster copies to every shard. Sharded (Redis 7):
    // SPUBLISH/SSUBSCRIBE on a channel per Socket.IO room, each served by the shard of its slot.
    const channel = `${config.REDIS_KEY_PREFIX}socket.io`;
    this.io.adapter(
      sharded
        ? createShardedAdapter(this.#pub, this.#sub, {
            channelPrefix: channel,
            subscriptionMode: 'dynamic',
          })
        : createAdapter(this.#pub, this.#sub, { key: channel }),
    );
  }

  toRoom<E extends SignalingEventName>(
    tenantId: string,
    roomId: string,
    event: E,
    payload: SignalingEventOf<E>,
    exceptParticipantId?: string,
  ): void {
    let target = this.io.to(roomChannel(tenantId, roomId));
    if (exceptParticipantId !== undefined) {
      target = target.except(
        participantChannel({ tenantId, roomId, participantId: exceptParticipantId }),
      );
    }
    emit(target, event, payload);
  }

  toParticipant<E extends SignalingEventName>(
    participant: ParticipantRef,
    event: E,
    payload: SignalingEventOf<E>,
  ): void {
    emit(this.io.to(participantChannel(participant)), event, payload);
  }

  toUser<E extends SignalingEventName>(
    tenantId: string,
    userId: string,
    event: E,
    payload: SignalingEventOf<E>,
  ): void {
    emit(this.io.to(userChannel(tenantId, userId)), event, payload);
  }

  disconnectParticipant(participant: ParticipantRef, exceptSocketId?: string): void {
    const sockets = this.io.in(participantChannel(participant));
    (exceptSocketId === undefined ? sockets : sockets.except(exceptSocketId)).disconnectSockets(
      true,
    );
  }

  /** The sockets connected to this instance. */
  localSockets(): IterableIterator<GatewaySocket> {
    return this.io.of('/').sockets.values();
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.resolve(this.io.of('/').adapter.close()).catch(() => undefined);
    for (const client of [this.#pub, this.#sub]) {
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
      else client.disconnect();
    }
  }
}

/**
 * CORS for the Engine.IO HTTP requests (long-polling): an allowed origin is echoed with
 * credentials, so a page there may send the load balancer's sticky cookie; any other origin gets
 * no CORS headers at all, and its browser keeps the answers from it. (WebSocket upgrades are not
 * subject to CORS.) Allowed: the deployment's `GATEWAY_CORS_ORIGINS`, and a tenant's own
 * `allowedOrigins` for requests that name the tenant (`?tenant=<id>`, which the SDK adds in its
 * `websocket-or-polling` mode; the handshake then refuses a token of another tenant).
 */
export function corsForOrigins(
  origins: readonly string[],
  tenants?: TenantOriginSource,
): CorsOptionsDelegate {
  const allowed = new Set(origins);
  const answer = (origin: string | undefined, ok: boolean) =>
    ok && origin !== undefined
      ? { origin, credentials: true, methods: ['GET', 'POST'] }
      : { origin: false };
  return (req, callback) => {
    const origin = req.headers.origin;
    if (origin === undefined || allowed.has(origin) || tenants === undefined) {
      callback(null, answer(origin, origin !== undefined && allowed.has(origin)));
      return;
    }
    const tenant = requestedTenant((req as { url?: string }).url);
    if (tenant === undefined) {
      callback(null, answer(origin, false));
      return;
    }
    tenants.allows(tenant, origin).then(
      (ok) => callback(null, answer(origin, ok)),
      () => callback(null, answer(origin, false)),
    );
  };
}

/** The `tenant` query parameter of an Engine.IO request URL, if any. */
export function requestedTenant(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const value = new URL(url, 'http://gateway.invalid').searchParams.get('tenant');
  return value === null || value === '' ? undefined : value;
}

/** Emits a checked event and payload (the generic pair, which Socket.IO's types cannot follow). */
function emit(target: object, event: SignalingEventName, payload: unknown): void {
  (target as { emit(event: string, payload: unknown): boolean }).emit(event, payload);
}

@Module({ providers: [SocketIoServer], exports: [SocketIoServer] })
export class SocketIoModule {}
