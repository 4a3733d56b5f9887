import { Module } from '@nestjs/common';
import { NatsBus, SERVICE_CONFIG } from '@cascade/server-kit';

import type { RoomsConfig } from '../config';
import { PrismaService } from '../database/prisma.service';
import { RoomAccess } from './room-access';
import { RoomDirectory } from './room-directory';
import { RoomOccupants } from './room-occupants';
import { natsRoomRemovals } from './room-removals';
import { RoomSearch } from './room-search';
import { RoomsController } from './rooms.controller';
import { NatsTenantSettings } from '../tenant-settings/tenant-settings.client';
import { TenantSettingsModule } from '../tenant-settings/tenant-settings.module';

@Module({
  imports: [TenantSettingsModule],
  controllers: [RoomsController],
  providers: [
    {
      provide: RoomAccess,
      inject: [PrismaService],
      useFactory: (db: PrismaService) => new RoomAccess(db),
    },
    {
      provide: RoomDirectory,
      inject: [PrismaService, RoomAccess, SERVICE_CONFIG, NatsBus, NatsTenantSettings],
      useFactory: (
        db: PrismaService,
        access: RoomAccess,
        config: RoomsConfig,
        bus: NatsBus,
        tenants: NatsTenantSettings,
      ) =>
        new RoomDirectory(
          db,
          access,
          new RoomSearch(db),
          new RoomOccupants(db),
          {
            capacity: config.ROOMS_MAX_CAPACITY,
            viewerCapacity: config.ROOMS_MAX_VIEWER_CAPACITY,
          },
          natsRoomRemovals(bus, config.NATS_SUBJECT_PREFIX),
          tenants,
        ),
    },
  ],
  exports: [RoomAccess],
})
export class RoomsModule {}
