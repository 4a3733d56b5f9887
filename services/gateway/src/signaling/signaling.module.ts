import { Logger, Module } from '@nestjs/common';

import { AuthModule } from '../auth/auth.module';
import { RoomChat } from '../chat/room-chat';
import { GatewayMetricsModule } from '../metrics/gateway-metrics';
import { Moderation } from '../moderation/moderation';
import { MediaOperations } from '../routing/media-operations';
import { Routing } from '../routing/routing';
import { RoutingModule } from '../routing/routing.module';
import { ParticipantSessions } from '../sessions/participant-sessions';
import { RoomMedia } from '../sessions/room-media';
import { SessionStore } from '../sessions/session-store';
import { SessionsModule } from '../sessions/sessions.module';
import { UserConnectionsModule } from '../user-connections/user-connections.module';
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
  ],
  providers: [
    {
      provide: MediaOperations,
      inject: [SessionStore, RoomMedia, ParticipantSessions, Routing, SocketIoServer],
      useFactory: (
        store: SessionStore,
        media: RoomMedia,
        sessions: ParticipantSessions,
        routing: Routing,
        io: SocketIoServer,
      ) => new MediaOperations(store, media, sessions, routing, io),
    },
    {
      provide: Moderation,
      inject: [SessionStore, RoomMedia, Routing, SocketIoServer],
      useFactory: (store: SessionStore, media: RoomMedia, routing: Routing, io: SocketIoServer) => {
        const logger = new Logger('moderation');
        return new Moderation(store, media, routing, io, {
          info: (fields, msg) => logger.log({ ...fields, msg }),
        });
      },
    },
    {
      provide: RoomChat,
      inject: [Routing, SocketIoServer],
      useFactory: (routing: Routing, io: SocketIoServer) => new RoomChat(routing, io),
    },
    SignalingServer,
  ],
})
export class SignalingModule {}
