import { Module } from '@nestjs/common';

import { PrismaService } from '../database/prisma.service';
import { RoomsModule } from '../rooms/rooms.module';
import { PresenceController } from './presence.controller';
import { PresenceQueryHandler } from './presence-query.handler';
import { PresenceRecorder } from './presence-recorder';

@Module({
  imports: [RoomsModule],
  controllers: [PresenceController],
  providers: [
    {
      provide: PresenceRecorder,
      inject: [PrismaService],
      useFactory: (db: PrismaService) => new PresenceRecorder(db),
    },
    PresenceQueryHandler,
  ],
  exports: [PresenceRecorder],
})
export class PresenceModule {}
