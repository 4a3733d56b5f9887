import { Module } from '@nestjs/common';

import { PrismaService } from '../database/prisma.service';
import { RoomAccess } from '../rooms/room-access';
import { RoomsModule } from '../rooms/rooms.module';
import { ChatController } from './chat.controller';
import { ChatHistory } from './chat-history';

@Module({
  imports: [RoomsModule],
  controllers: [ChatController],
  providers: [
    {
      provide: ChatHistory,
      inject: [PrismaService, RoomAccess],
      useFactory: (db: PrismaService, access: RoomAccess) => new ChatHistory(db, access),
    },
  ],
  exports: [ChatHistory],
})
export class ChatModule {}
