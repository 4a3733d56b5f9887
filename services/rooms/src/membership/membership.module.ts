import { Module } from '@nestjs/common';
import { NatsBus, SERVICE_CONFIG } from '@cascade/server-kit';

import type { RoomsConfig } from '../config';
import { PrismaService } from '../database/prisma.service';
import { RoomAccess } from '../rooms/room-access';
import { natsRoomRemovals } from '../rooms/room-removals';
import { RoomsModule } from '../rooms/rooms.module';
import { CallBanHandler } from './call-ban.handler';
import { MemberRoleHandler } from './member-role.handler';
import { MembershipController } from './membership.controller';
import { Membership } from './membership';

@Module({
  imports: [RoomsModule],
  controllers: [MembershipController],
  providers: [
    {
      provide: Membership,
      inject: [PrismaService, RoomAccess, NatsBus, SERVICE_CONFIG],
      useFactory: (db: PrismaService, access: RoomAccess, bus: NatsBus, config: RoomsConfig) =>
        new Membership(db, access, natsRoomRemovals(bus, config.NATS_SUBJECT_PREFIX)),
    },
    MemberRoleHandler,
    CallBanHandler,
  ],
})
export class MembershipModule {}
