import { Logger, Module } from '@nestjs/common';
import { createSubjects } from '@cascade/contracts';
import { NatsBus, SERVICE_CONFIG } from '@cascade/server-kit';

import { AuthModule } from '../auth/auth.module';
import { ChatModule } from '../chat/chat.module';
import { GatewayMetricsModule } from '../metrics/gateway-metrics';
import type { GatewayConfig } from '../config';
import { Moderation } from '../moderation/moderation';
import { Moderators } from '../moderation/moderators';
import { MediaOperations } from '../routing/media-operations';
import { Routing } from '../routing/routing';
import { RoutingModule } from '../routing/routing.module';
import { ParticipantSessions } from '../sessions/participant-sessions';
import { RoomMedia } from '../sessions/room-media';
import { SessionStore } from '../sessions/session-store';
import { SessionsModule } from '../sessions/sessions.module';
import { UserConnectionsModule } from '../user-connections/user-connections.module';
import { ViewModule } from '../view/view.module';
import { ViewOperations } from '../view/view-operations';
import { SignalingServer } from './signaling.server';
import { SocketIoModule, SocketIoServer } from './socket-io.server';

@Module({
  imports: [
    AuthModule,
    SessionsModule,
    RoutingModule,
    SocketIoModule,
    GatewayMetricsModule,
    UserConnectionsModule,
    ChatModule,
    ViewModule,
  ],
  providers: [
    {
      provide: MediaOperations,
      inject: [
        SessionStore,
        RoomMedia,
        ParticipantSessions,
        Routing,
        SocketIoServer,
        ViewOperations,
      ],
      useFactory: (
        store: SessionStore,
        media: RoomMedia,
        sessions: ParticipantSessions,
        routing: Routing,
        io: SocketIoServer,
        views: ViewOperations,
      ) => {
        const logger = new Logger('media');
        return new MediaOperations(
          store,
          media,
          sessions,
          routing,
          io,
          { warn: (fields, msg) => logger.warn({ ...fields, msg }) },
          views,
        );
      },
    },
    {
      provide: Moderation,
      inject: [
        SessionStore,
        RoomMedia,
        Routing,
        SocketIoServer,
        ParticipantSessions,
        NatsBus,
        SERVICE_CONFIG,
      ],
      useFactory: (
        store: SessionStore,
        media: RoomMedia,
        routing: Routing,
        io: SocketIoServer,
        sessions: ParticipantSessions,
        bus: NatsBus,
        config: GatewayConfig,
      ) => {
        const logger = new Logger('moderation');
        const subjects = createSubjects(config.NATS_SUBJECT_PREFIX);
        const timeoutMs = config.GATEWAY_REQUEST_TIMEOUT_MS;
        return new Moderation(
          store,
          media,
          routing,
          io,
          { info: (fields, msg) => logger.log({ ...fields, msg }) },
          new Moderators(
            config.GATEWAY_AUTHORIZE_JOINS
              ? (request) => bus.request(subjects.roomsMemberRole(), request, timeoutMs)
              : undefined,
          ),
          sessions,
          (request) => bus.request(subjects.roomsCallBan(), request, timeoutMs),
        );
      },
    },
    SignalingServer,
  ],
})
export class SignalingModule {}
