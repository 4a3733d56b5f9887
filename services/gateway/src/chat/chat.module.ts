import { Module } from '@nestjs/common';
import { REDIS, RateLimiter, SERVICE_CONFIG } from '@cascade/server-kit';
import type { Redis } from 'ioredis';

import type { GatewayConfig } from '../config';
import { Routing } from '../routing/routing';
import { RoutingModule } from '../routing/routing.module';
import { SocketIoModule, SocketIoServer } from '../signaling/socket-io.server';
import { type ChatRateLimit, RoomChat } from './room-chat';

/** Messages per user and minute, in Redis for every instance (`GATEWAY_CHAT_RATE_LIMIT_PER_MINUTE`). */
function chatRateLimit(redis: Redis, config: GatewayConfig): ChatRateLimit {
  const limiter = new RateLimiter(redis, {
    name: 'gateway:chat:user',
    points: config.GATEWAY_CHAT_RATE_LIMIT_PER_MINUTE,
    durationSeconds: 60,
  });
  return { perMinute: limiter.limit.points, hit: (key) => limiter.hit(key) };
}

@Module({
  imports: [RoutingModule, SocketIoModule],
  providers: [
    {
      provide: RoomChat,
      inject: [Routing, SocketIoServer, REDIS, SERVICE_CONFIG],
      useFactory: (routing: Routing, io: SocketIoServer, redis: Redis, config: GatewayConfig) =>
        new RoomChat(routing, io, chatRateLimit(redis, config)),
    },
  ],
  exports: [RoomChat],
})
export class ChatModule {}
