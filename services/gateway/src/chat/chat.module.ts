import { Module } from '@nestjs/common';
import { type ChatStoreRequest, createSubjects } from '@cascade/contracts';
import { NatsBus, REDIS, RateLimiter, SERVICE_CONFIG, type RedisClient } from '@cascade/server-kit';

import type { GatewayConfig } from '../config';
import { SocketIoModule, SocketIoServer } from '../signaling/socket-io.server';
import { RedisChatLedger } from './chat-ledger';
import { CHAT_KEY_WINDOW_MS, type ChatRateLimit, RoomChat } from './room-chat';

/** Messages per user and minute, in Redis for every instance (`GATEWAY_CHAT_RATE_LIMIT_PER_MINUTE`). */
function chatRateLimit(redis: RedisClient, config: GatewayConfig): ChatRateLimit {
  const limiter = new RateLimiter(redis, {
    name: 'gateway:chat:user',
    points: config.GATEWAY_CHAT_RATE_LIMIT_PER_MINUTE,
    durationSeconds: 60,
  });
  return { perMinute: limiter.limit.points, hit: (key) => limiter.hit(key) };
}

@Module({
  imports: [SocketIoModule],
  providers: [
    {
      provide: RoomChat,
      inject: [NatsBus, SocketIoServer, REDIS, SERVICE_CONFIG],
      useFactory: (bus: NatsBus, io: SocketIoServer, redis: RedisClient, config: GatewayConfig) => {
        const subject = createSubjects(config.NATS_SUBJECT_PREFIX).roomsChatStore();
        const timeoutMs = config.GATEWAY_REQUEST_TIMEOUT_MS;
        // Without a rooms service there is no chat history to store the message in.
        const store = config.GATEWAY_AUTHORIZE_JOINS
          ? (request: ChatStoreRequest) => bus.request(subject, request, timeoutMs)
          : undefined;
        return new RoomChat(store, io, {
          limit: chatRateLimit(redis, config),
          ledger: new RedisChatLedger(redis, { windowMs: CHAT_KEY_WINDOW_MS }),
        });
      },
    },
  ],
  exports: [RoomChat],
})
export class ChatModule {}
