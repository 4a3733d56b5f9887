import { Module } from '@nestjs/common';
import { SERVICE_CONFIG } from '@cascade/server-kit';

import type { RoomsConfig } from '../config';
import { PrismaService } from '../database/prisma.service';
import { RoomAccess } from '../rooms/room-access';
import { RoomsModule } from '../rooms/rooms.module';
import { NatsTenantSettings } from '../tenant-settings/tenant-settings.client';
import { TenantSettingsModule } from '../tenant-settings/tenant-settings.module';
import { ChatController } from './chat.controller';
import { ChatHistory } from './chat-history';
import { ChatRetention, ChatRetentionSweeps } from './chat-retention';
import { ChatStoreHandler } from './chat-store.handler';

@Module({
  imports: [RoomsModule, TenantSettingsModule],
  controllers: [ChatController],
  providers: [
    {
      provide: ChatHistory,
      inject: [PrismaService, RoomAccess],
      useFactory: (db: PrismaService, access: RoomAccess) => new ChatHistory(db, access),
    },
    {
      provide: ChatRetention,
      inject: [PrismaService, NatsTenantSettings, SERVICE_CONFIG],
      useFactory: (db: PrismaService, tenants: NatsTenantSettings, config: RoomsConfig) =>
        new ChatRetention(db, tenants, config.ROOMS_CHAT_RETENTION_DAYS),
    },
    ChatRetentionSweeps,
    ChatStoreHandler,
  ],
  exports: [ChatHistory],
})
export class ChatModule {}
