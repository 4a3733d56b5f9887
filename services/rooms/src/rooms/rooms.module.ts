import { Module } from '@nestjs/common';
import { SERVICE_CONFIG } from '@cascade/server-kit';

import type { RoomsConfig } from '../config';
import { PrismaService } from '../database/prisma.service';
import { RoomAccess } from './room-access';
import { RoomDirectory } from './room-directory';
import { RoomOccupants } from './room-occupants';
import { RoomSearch } from './room-search';
import { RoomsController } from './rooms.controller';

@Module({
  controllers: [RoomsController],
  providers: [
    {
      provide: RoomAccess,
      inject: [PrismaService],
      useFactory: (db: PrismaService) => new RoomAccess(db),
    },
    {
      provide: RoomDirectory,
      inject: [PrismaService, RoomAccess, SERVICE_CONFIG],
      useFactory: (db: PrismaService, access: RoomAccess, config: RoomsConfig) =>
        new RoomDirectory(
          db,
          access,
          new RoomSearch(db),
          new RoomOccupants(db),
          config.ROOMS_MAX_CAPACITY,
        ),
    },
  ],
  exports: [RoomAccess],
})
export class RoomsModule {}
