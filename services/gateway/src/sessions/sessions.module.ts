import { Logger, Module } from '@nestjs/common';
import {
  REDIS,
  SERVICE_CONFIG,
  SERVICE_INFO,
  type ServiceInfo,
  type RedisClient,
} from '@cascade/server-kit';

import type { GatewayConfig } from '../config';
import { Routing } from '../routing/routing';
import { RoutingModule } from '../routing/routing.module';
import { SocketIoModule, SocketIoServer } from '../signaling/socket-io.server';
import { iceServersFor } from '../turn/ice-servers';
import { ParticipantSessions } from './participant-sessions';
import { RoomMedia } from './room-media';
import { SessionStore } from './session-store';
import { SessionSweeper } from './session-sweeper';
import { ViewerCountAnnouncer } from './viewer-count';

const logger = new Logger('sessions');

@Module({
  imports: [SocketIoModule, RoutingModule],
  providers: [
    {
      provide: SessionStore,
      inject: [REDIS, SERVICE_INFO],
      useFactory: (redis: RedisClient, info: ServiceInfo) =>
        new SessionStore(redis, info.instanceId),
    },
    {
      provide: RoomMedia,
      inject: [REDIS],
      useFactory: (redis: RedisClient) => new RoomMedia(redis),
    },
    {
      provide: ParticipantSessions,
      inject: [SessionStore, RoomMedia, Routing, SocketIoServer, SERVICE_CONFIG],
      useFactory: (
        store: SessionStore,
        media: RoomMedia,
        routing: Routing,
        io: SocketIoServer,
        config: GatewayConfig,
      ) => {
        const log = {
          info: (fields: Record<string, unknown>, msg: string) => logger.log({ ...fields, msg }),
          warn: (fields: Record<string, unknown>, msg: string) => logger.warn({ ...fields, msg }),
        };
        const viewerCount = new ViewerCountAnnouncer(
          {
            count: (tenantId, roomId) => store.viewerCount(tenantId, roomId),
            out: io,
            schedule: (task, ms) => void setTimeout(task, ms).unref(),
            warn: log.warn,
          },
          config.GATEWAY_VIEWER_COUNT_INTERVAL_MS,
        );
        return new ParticipantSessions(
          store,
          media,
          routing,
          io,
          {
            resumeGraceMs: config.GATEWAY_RESUME_GRACE_MS,
            iceServers: iceServersFor(config),
            region: config.GATEWAY_REGION,
            authorizeJoins: config.GATEWAY_AUTHORIZE_JOINS,
          },
          log,
          viewerCount,
        );
      },
    },
    SessionSweeper,
  ],
  exports: [SessionStore, RoomMedia, ParticipantSessions],
})
export class SessionsModule {}
