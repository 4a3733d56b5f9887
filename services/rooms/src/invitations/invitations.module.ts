import { Module } from '@nestjs/common';
import { NatsBus, SERVICE_CONFIG } from '@cascade/server-kit';

import type { RoomsConfig } from '../config';
import { PrismaService } from '../database/prisma.service';
import { RoomAccess } from '../rooms/room-access';
import { RoomsModule } from '../rooms/rooms.module';
import { NatsFriendshipClient } from './friendship.client';
import { NatsInvitationNotifier } from './invitation-notifier';
import { InvitationsController } from './invitations.controller';
import { Invitations } from './invitations';

@Module({
  imports: [RoomsModule],
  controllers: [InvitationsController],
  providers: [
    {
      provide: Invitations,
      inject: [PrismaService, RoomAccess, NatsBus, SERVICE_CONFIG],
      useFactory: (db: PrismaService, access: RoomAccess, bus: NatsBus, config: RoomsConfig) =>
        new Invitations(
          db,
          access,
          new NatsFriendshipClient(
            bus,
            config.NATS_SUBJECT_PREFIX,
            config.ROOMS_IDENTITY_TIMEOUT_MS,
          ),
          new NatsInvitationNotifier(bus, config.NATS_SUBJECT_PREFIX),
        ),
    },
  ],
})
export class InvitationsModule {}
