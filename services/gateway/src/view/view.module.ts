import { Logger, Module } from '@nestjs/common';
import { REDIS, type RedisClient, SERVICE_CONFIG } from '@cascade/server-kit';

import type { GatewayConfig } from '../config';
import { Routing } from '../routing/routing';
import { RoutingModule } from '../routing/routing.module';
import { ParticipantSessions } from '../sessions/participant-sessions';
import { RoomMedia } from '../sessions/room-media';
import { SessionStore } from '../sessions/session-store';
import { SessionsModule } from '../sessions/sessions.module';
import { SocketIoModule, SocketIoServer } from '../signaling/socket-io.server';
import { AudioPlanner } from './audio-planner';
import { ViewOperations } from './view-operations';
import { ViewStore } from './view-store';

/** Subscriptions that follow the view: one {@link ViewOperations} for signaling and events. */
@Module({
  imports: [SessionsModule, RoutingModule, SocketIoModule],
  providers: [
    {
      provide: ViewOperations,
      inject: [
        SERVICE_CONFIG,
        REDIS,
        SessionStore,
        RoomMedia,
        Routing,
        ParticipantSessions,
        SocketIoServer,
      ],
      useFactory: (
        config: GatewayConfig,
        redis: RedisClient,
        store: SessionStore,
        media: RoomMedia,
        routing: Routing,
        sessions: ParticipantSessions,
        io: SocketIoServer,
      ) => {
        const logger = new Logger('views');
        const operations = new ViewOperations({
          views: new ViewStore(redis),
          sessions: store,
          media,
          nodes: {
            setViewState: async (nodeId, request) =>
              (await routing.node(nodeId)).request('consumer.setViewState', request),
          },
          // Dynacast: a publisher hears of its own producers' layers, on its own sockets.
          publishers: {
            layers: (publisher, layers) => io.toParticipant(publisher, 'producer.layers', layers),
          },
          log: { warn: (fields, msg) => logger.warn({ ...fields, msg }) },
          lowerDelayMs: config.GATEWAY_DYNACAST_LOWER_DELAY_MS,
          audio: new AudioPlanner({
            above: config.GATEWAY_AUDIO_LOUDEST_ABOVE,
            loudest: config.GATEWAY_AUDIO_LOUDEST_N,
          }),
        });
        // Whoever leaves, the room's views and speakers forget them at once.
        sessions.onEnded((participant) => operations.participantLeft(participant));
        return operations;
      },
    },
  ],
  exports: [ViewOperations],
})
export class ViewModule {}
