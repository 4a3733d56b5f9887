import { Module } from '@nestjs/common';

import { ChatModule } from '../chat/chat.module';
import { PresenceModule } from '../presence/presence.module';
import { ActivityConsumer } from './activity.consumer';

/** The room-activity subscription, feeding presence and chat history. */
@Module({ imports: [PresenceModule, ChatModule], providers: [ActivityConsumer] })
export class ActivityModule {}
