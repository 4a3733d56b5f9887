import {
  Friend,
  FriendRequest,
  FriendRequestListQuery,
  Identifier,
  PageQuery,
  PublicProfile,
  SendFriendRequest,
  SendFriendRequestResult,
  UserId,
  createSubjects,
  pageOf,
  parseOrThrow,
  type Page,
} from '@cascade/contracts';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Logger,
  Module,
  Param,
  Post,
  Query,
  Req,
} from '@nestjs/common';
import { MetricsService, NatsBus, SERVICE_CONFIG } from '@cascade/server-kit';
import { Counter } from 'prom-client';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';

import type { IdentityConfig } from '../config';
import { Database } from '../database/database.module';
import { openApiSchema } from '../docs/openapi';
import { Authenticator } from '../sessions/authenticator';
import { SessionsModule } from '../sessions/sessions.module';
import { FriendNotifier } from './friend-notifier';
import { FriendPresence } from './friend-presence';
import { Friends } from './friends';
import { FriendshipResponder } from './friendship-responder';
import { NatsUserEvents } from './nats-user-events';
import { PresenceClient } from './presence-client';
import { RoomActivityConsumer } from './room-activity.consumer';

/** How long a notification waits for NATS to be connected before it is given up (and logged). */
const NOTIFY_CONNECT_TIMEOUT_MS = 2_000;

/** pino through Nest's logger, as the plain classes' `(obj, msg)` logs. */
function pinoLog(context: string) {
  const logger = new Logger(context);
  return { warn: (obj: object, msg: string) => logger.warn({ ...obj, msg }) };
}

@ApiTags('friends')
@ApiBearerAuth('access-token')
@Controller('friends')
export class FriendsController {
  constructor(
    private readonly friends: Friends,
    private readonly presence: PresenceClient,
    private readonly auth: Authenticator,
  ) {}

  /**
   * My friends, each with the room they are in now (`null`: none, one I may not join, or rooms
   * did not answer) and whether they are in a call.
   */
  @Get()
  @ApiOkResponse({ schema: openApiSchema(pageOf(Friend), 'output') })
  async list(@Req() req: Request, @Query() query: unknown): Promise<Page<Friend>> {
    const me = await this.auth.user(req);
    const page = await this.friends.list(
      me.tenantId,
      me.userId,
      parseOrThrow(PageQuery, query, 'page query'),
    );
    const rooms = await this.presence.whereAre(
      me.tenantId,
      me.userId,
      page.items.map((f) => f.user.id),
    );
    return {
      items: page.items.map((f) => ({
        ...f,
        room: rooms.get(f.user.id) ?? null,
        inCall: rooms.has(f.user.id),
      })),
      nextCursor: page.nextCursor,
    };
  }

  @Delete(':userId')
  @HttpCode(204)
  async remove(@Req() req: Request, @Param('userId') userId: string): Promise<void> {
    const me = await this.auth.user(req);
    await this.friends.remove(me.tenantId, me.userId, parseOrThrow(UserId, userId, 'user id'));
  }

  /** Asks a user of my tenant to be friends; if they had asked me, we are friends at once. */
  @Post('requests')
  @ApiBody({ schema: openApiSchema(SendFriendRequest) })
  @ApiOkResponse({ schema: openApiSchema(SendFriendRequestResult, 'output') })
  async send(@Req() req: Request, @Body() body: unknown): Promise<SendFriendRequestResult> {
    const me = await this.auth.user(req);
    const { userId } = parseOrThrow(SendFriendRequest, body, 'friend request');
    return this.friends.send(me.tenantId, me.userId, userId);
  }

  @Get('requests')
  @ApiOkResponse({ schema: openApiSchema(pageOf(FriendRequest), 'output') })
  async requests(@Req() req: Request, @Query() query: unknown): Promise<Page<FriendRequest>> {
    const me = await this.auth.user(req);
    return this.friends.listRequests(
      me.tenantId,
      me.userId,
      parseOrThrow(FriendRequestListQuery, query, 'friend request query'),
    );
  }

  @Post('requests/:requestId/accept')
  @HttpCode(200)
  @ApiOkResponse({ schema: openApiSchema(PublicProfile, 'output') })
  async accept(@Req() req: Request, @Param('requestId') requestId: string): Promise<PublicProfile> {
    const me = await this.auth.user(req);
    return this.friends.accept(
      me.tenantId,
      me.userId,
      parseOrThrow(Identifier, requestId, 'request id'),
    );
  }

  @Post('requests/:requestId/decline')
  @HttpCode(204)
  async decline(@Req() req: Request, @Param('requestId') requestId: string): Promise<void> {
    const me = await this.auth.user(req);
    await this.friends.decline(
      me.tenantId,
      me.userId,
      parseOrThrow(Identifier, requestId, 'request id'),
    );
  }

  /** Withdraws a request I sent. */
  @Delete('requests/:requestId')
  @HttpCode(204)
  async cancel(@Req() req: Request, @Param('requestId') requestId: string): Promise<void> {
    const me = await this.auth.user(req);
    await this.friends.cancel(
      me.tenantId,
      me.userId,
      parseOrThrow(Identifier, requestId, 'request id'),
    );
  }
}

@Module({
  imports: [SessionsModule],
  controllers: [FriendsController],
  providers: [
    {
      provide: FriendNotifier,
      inject: [NatsBus, SERVICE_CONFIG],
      useFactory: (bus: NatsBus, config: IdentityConfig) =>
        new FriendNotifier(
          new NatsUserEvents(bus, config.NATS_SUBJECT_PREFIX, NOTIFY_CONNECT_TIMEOUT_MS),
          pinoLog('friend-notifications'),
        ),
    },
    {
      provide: Friends,
      inject: [Database, FriendNotifier],
      useFactory: (db: Database, notifier: FriendNotifier) => new Friends(db.prisma, notifier),
    },
    {
      provide: FriendPresence,
      inject: [Friends, FriendNotifier, MetricsService, SERVICE_CONFIG],
      useFactory: (
        friends: Friends,
        notifier: FriendNotifier,
        metrics: MetricsService,
        config: IdentityConfig,
      ) =>
        new FriendPresence(
          friends,
          notifier,
          createSubjects(config.NATS_SUBJECT_PREFIX),
          new Counter({
            name: 'identity_room_activity_ignored_total',
            help: 'Room activity events ignored by friend presence (invalid, or on the wrong subject)',
            registers: [metrics.registry],
          }),
          pinoLog('friend-presence'),
        ),
    },
    PresenceClient,
    FriendshipResponder,
    RoomActivityConsumer,
  ],
})
export class FriendsModule {}
