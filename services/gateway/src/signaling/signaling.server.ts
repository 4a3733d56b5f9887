import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { CascadeError, type ErrorEnvelope } from '@cascade/contracts';
import { ClientAddresses, SERVICE_CONFIG, typedError } from '@cascade/server-kit';
import type { Server as HttpServer } from 'node:http';

import { HandshakeAuthenticator } from '../auth/handshake';
import { TokenLifetime } from '../auth/token-lifetime';
import { RoomChat } from '../chat/room-chat';
import type { GatewayConfig } from '../config';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { Moderation } from '../moderation/moderation';
import { MediaOperations } from '../routing/media-operations';
import { ParticipantSessions } from '../sessions/participant-sessions';
import { SessionStore } from '../sessions/session-store';
import { UserConnectionSlots } from '../user-connections/user-connection-slots';
import { participantChannel, roomChannel, userChannel } from './channels';
import { signalingHandlers } from './handlers';
import { type RequestFacts, RequestPipeline, type SocketAccess } from './request-pipeline';
import type { SignalingSocket, SocketData } from './socket-data';
import { type GatewaySocket, SocketIoServer, requestedTenant } from './socket-io.server';
import { TokenBucket } from './token-bucket';

/**
 * Socket.IO on the service's HTTP server (`/socket.io`): the handshake decides who each socket
 * is (a room socket, or a user connection in no room), every event goes through the
 * {@link RequestPipeline}, a room socket that drops without leaving leaves its session waiting
 * for a resume, and a user connection that goes gives its slot back. On shutdown every
 * connection is closed (the clients reconnect to another instance and resume) and the drops are
 * recorded before Redis goes.
 */
@Injectable()
export class SignalingServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('signaling');
  readonly #pipeline: RequestPipeline<SignalingSocket>;
  readonly #drops = new Set<Promise<void>>();

  constructor(
    private readonly http: HttpAdapterHost,
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
    private readonly server: SocketIoServer,
    private readonly auth: HandshakeAuthenticator,
    private readonly sessions: ParticipantSessions,
    private readonly store: SessionStore,
    private readonly userSlots: UserConnectionSlots,
    private readonly addresses: ClientAddresses,
    media: MediaOperations,
    chat: RoomChat,
    moderation: Moderation,
    metrics: GatewayMetrics,
    lifetime: TokenLifetime,
  ) {
    const handlers = signalingHandlers(sessions, media, chat, moderation, lifetime);
    this.#pipeline = new RequestPipeline(handlers, {
      answered: (request, outcome, seconds) => {
        metrics.requests.inc({ method: request.method, outcome });
        metrics.requestDuration.observe({ method: request.method }, seconds);
        this.logger.debug({ ...context(request), outcome, ms: seconds * 1000, msg: 'request' });
      },
      failed: (request, error) =>
        this.logger.error({ ...context(request), err: error, msg: `${request.method} failed` }),
    });
    metrics.countSocketsWith(() => {
      const sockets = this.server.io.of('/').sockets;
      let user = 0;
      for (const socket of sockets.values()) if (socket.data.identity.kind === 'user') user++;
      return { total: sockets.size, user };
    });
  }

  onApplicationBootstrap(): void {
    const io = this.server.io;
    io.attach(this.http.httpAdapter.getHttpServer() as HttpServer);
    io.use((socket, next) => {
      const address = this.addresses.of(socket.request);
      this.auth.authenticate(socket.handshake.auth, socket.id, address).then(
        ({ identity, resumed }) => {
          socket.data.identity = identity;
          socket.data.bucket = new TokenBucket(
            this.config.GATEWAY_RATE_LIMIT_PER_SECOND,
            this.config.GATEWAY_RATE_LIMIT_BURST,
          );
          if (resumed) {
            socket.data.session = {
              tenantId: resumed.tenantId,
              roomId: resumed.roomId,
              participantId: resumed.participantId,
              userId: resumed.userId,
              displayName: resumed.displayName,
              nodeId: resumed.nodeId,
              workerIndex: resumed.workerIndex,
            };
          }
          // The client may have gone while this ran: Socket.IO then drops the socket without a
          // connection (or a disconnect) event, so the resumed session's drop is recorded here,
          // and a user connection's slot given back.
          // A request that named a tenant (for that tenant's CORS origins, socket-io.server.ts)
          // must carry a token of that tenant.
          const named = requestedTenant(socket.request.url);
          const foreign = named !== undefined && named !== identity.tenantId;
          if (socket.conn.readyState !== 'open' || foreign) {
            if (resumed) void this.sessions.dropped(socket);
            if (identity.kind === 'user') this.#track(this.#releaseSlot(socket));
            next(
              foreign
                ? connectError(
                    new CascadeError(
                      'FORBIDDEN',
                      'the connection names another tenant than its token',
                    ).toEnvelope(),
                  )
                : new Error('connection closed during the handshake'),
            );
            return;
          }
          next();
        },
        (failure: unknown) => {
          // Redis (sessions, slots) out of reach is NODE_UNAVAILABLE (retry), not INTERNAL.
          const error = typedError(failure);
          if (!(error instanceof CascadeError))
            this.logger.error({ err: error, msg: 'handshake failed' });
          else if (error !== failure)
            this.logger.warn({
              err: String(failure),
              msg: 'handshake refused: a dependency is away',
            });
          else
            this.logger.debug({ socketId: socket.id, code: error.code, msg: 'handshake refused' });
          next(connectError(CascadeError.toEnvelope(error)));
        },
      );
    });
    io.on('connection', (socket) => this.#connected(socket));
    this.logger.log('Socket.IO listening on /socket.io');
  }

  async beforeApplicationShutdown(): Promise<void> {
    // Closing the connections (not a Socket.IO disconnect) makes clients reconnect on their own.
    this.server.io.engine.close();
    await Promise.allSettled([...this.#drops]);
    await this.store.deregister().catch(() => undefined);
  }

  #connected(socket: GatewaySocket): void {
    const { identity, session } = socket.data;
    // Every socket hears its user's notifications; a user connection hears nothing else.
    const channels = [userChannel(identity.tenantId, identity.userId)];
    if (session)
      channels.push(roomChannel(session.tenantId, session.roomId), participantChannel(session));
    void socket.join(channels);
    if (identity.kind === 'user')
      this.logger.debug({ ...identify(socket), msg: 'user connection opened' });
    socket.onAny((event: unknown, ...args: unknown[]) => {
      void this.#pipeline.handle(
        { socket, access: accessOf(socket.data), bucket: socket.data.bucket },
        event,
        args,
      );
    });
    socket.on('disconnect', (reason) => {
      if (identity.kind === 'user') {
        this.logger.debug({ ...identify(socket), reason, msg: 'user connection closed' });
        this.#track(this.#releaseSlot(socket));
        return;
      }
      this.#track(
        this.sessions.dropped(socket).catch((error: unknown) =>
          this.logger.warn({
            ...identify(socket),
            error: String(error),
            msg: 'recording a drop failed',
          }),
        ),
      );
    });
  }

  /** Gives a user connection's slot back (its lease would end anyway if Redis is away). */
  #releaseSlot(socket: SignalingSocket): Promise<void> {
    return this.userSlots.release(socket.id).catch((error: unknown) =>
      this.logger.warn({
        ...identify(socket),
        error: String(error),
        msg: 'releasing a user connection slot failed',
      }),
    );
  }

  /** Keeps a disconnection's bookkeeping until it is done: shutdown waits for it. */
  #track(work: Promise<void>): void {
    const done = work.finally(() => this.#drops.delete(done));
    this.#drops.add(done);
  }
}

/** What the socket may do, from what the handshake and its session say. */
function accessOf(data: SocketData): SocketAccess {
  return data.identity.kind === 'user'
    ? { kind: 'user' }
    : { kind: 'room', grants: data.identity.grants, joined: data.session !== undefined };
}

/** Log fields of a socket: tenant and user, and room and participant for a room socket. */
function identify(socket: SignalingSocket) {
  const { identity, session } = socket.data;
  return identity.kind === 'user'
    ? {
        socketId: socket.id,
        connection: 'user' as const,
        tenantId: identity.tenantId,
        userId: identity.userId,
      }
    : {
        socketId: socket.id,
        tenantId: identity.tenantId,
        userId: identity.userId,
        roomId: identity.roomId,
        ...(session ? { participantId: session.participantId } : {}),
      };
}

/** Log fields of a request. */
function context(request: RequestFacts<SignalingSocket>) {
  return { ...identify(request.socket), requestId: request.requestId, method: request.method };
}

/** A handshake refusal: the client gets it as `connect_error`, with `data` the envelope. */
function connectError(envelope: ErrorEnvelope): Error & { data: ErrorEnvelope } {
  return Object.assign(new Error(envelope.message), { data: envelope });
}
