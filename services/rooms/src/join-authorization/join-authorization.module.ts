import { Module } from '@nestjs/common';
import { SERVICE_CONFIG } from '@cascade/server-kit';

import type { RoomsConfig } from '../config';
import { PrismaService } from '../database/prisma.service';
import { JoinAuthorizationHandler } from './join-authorization.handler';
import { SeatAllocator } from './seat-allocator';

@Module({
  providers: [
    {
      provide: SeatAllocator,
      inject: [PrismaService, SERVICE_CONFIG],
      useFactory: (db: PrismaService, config: RoomsConfig) =>
        new SeatAllocator(db, config.ROOMS_SEAT_HOLD_SECONDS, config.ROOMS_SEATS_PER_USER),
    },
    JoinAuthorizationHandler,
  ],
})
export class JoinAuthorizationModule {}
