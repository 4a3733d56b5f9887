import { Module } from '@nestjs/common';

import { PrismaService } from '../database/prisma.service';
import { RoomAccess } from '../rooms/room-access';
import { RoomsModule } from '../rooms/rooms.module';
import { MemberRoleHandler } from './member-role.handler';
import { MembershipController } from './membership.controller';
import { Membership } from './membership';

@Module({
  imports: [RoomsModule],
  controllers: [MembershipController],
  providers: [
    {
      provide: Membership,
      inject: [PrismaService, RoomAccess],
      useFactory: (db: PrismaService, access: RoomAccess) => new Membership(db, access),
    },
    MemberRoleHandler,
  ],
})
export class MembershipModule {}
