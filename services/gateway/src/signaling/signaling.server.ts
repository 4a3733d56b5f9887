import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { CascadeError, type ErrorEnvelope } from '@cascade/contracts';
import { SERVICE_CONFIG } from '@cascade/server-kit';
import type { Server as HttpServer } from 'node:http';

import { HandshakeAuthenticator } from '../auth/handshake';
import { RoomChat } from '../chat/room-chat';
import type { GatewayConfig } from '../config';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { MediaOperations } from '../routing/media-operations';
import { ParticipantSessions } from '../sessions/participant-sessions';
import { SessionStore } from '../sessions/session-store';
import { participantChannel, roomChannel, userChannel } from './channels';
import { signalingHandlers } from './handlers';
import { type RequestFacts, RequestPipeline } from './request-pipeline';
import type { SignalingSocket } from './socket-data';
import { type GatewaySocket, SocketIoServer } from './socket-io.server';
import { TokenBucket } from './token-bucket';

/**
 * Socket.IO on the service's HTTP server (`/socket.io`): the handshake decides who each socket
 * is, every event goes through the {@link RequestPipeline}, and a socket that drops without
 * leaving leaves its session waiting for a resume. On shutdown every connection is closed (the
 * clients reconnect to another instance and resume) and the drops are recorded before Redis goes.
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
    media: MediaOperations,
    chat: RoomChat,
    metrics: GatewayMetrics,
  ) {
    this.#pipeline = new RequestPipeline(signalingHandlers(sessions, media, chat), {
      answered: (request, outcome, seconds) => {
        metrics.requests.inc({ method: request.method, outcome });
        metrics.requestDuration.observe({ method: request.method }, seconds);
        this.logger.debug({ ...context(request), outcome, ms: seconds * 1000, msg: 'request' });
      },
      failed: (request, error) =>
        this.logger.error({ ...context(request), err: error, msg: `${request.method} failed` }),
    });
    metrics.countSocketsWith(() => this.server.io.of('/').sockets.size);
  }

  onApplicationBootstrap(): void {
    const io = this.server.io;
    io.attach(this.http.httpAdapter.getHttpServer() as HttpServer);
    io.use((socket, next) => {
      this.auth.authenticate(socket.handshake.auth, socket.id).then(
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
          // connection (or a disconnect) event, so the resumed session's drop is recorded here.
          if (socket.conn.readyState !== 'open') {
            if (resumed) void this.sessions.dropped(socket);
            next(new Error('connection closed during the handshake'));
            return;
          }
          next();
        },
        (error: unknown) => {
          if (!(error instanceof CascadeError))
            this.logger.error({ err: error, msg: 'handshake failed' });
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
    const channels = [userChannel(identity.tenantId, identity.userId)];
    if (session)
      channels.push(roomChannel(session.tenantId, session.roomId), participantChannel(session));
    void socket.join(channels);
    socket.onAny((event: unknown, ...args: unknown[]) => {
      void this.#pipeline.handle(
        {
          socket,
          grants: socket.data.identity.grants,
          joined: socket.data.session !== undefined,
          bucket: socket.data.bucket,
        },
        event,
        args,
      );
    });
    socket.on('disconnect', () => {
      const drop = this.sessions
        .dropped(socket)
        .catch((error: unknown) =>
          this.logger.warn({
            ...identify(socket),
            error: String(error),
            msg: 'recording a drop failed',
          }),
        )
        .finally(() => this.#drops.delete(drop));
      this.#drops.add(drop);
    });
  }
}

/** Log fields of a socket: tenant, room and participant. */
function identify(socket: SignalingSocket) {
  const { identity, session } = socket.data;
  return {
    socketId: socket.id,
    tenantId: identity.tenantId,
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
