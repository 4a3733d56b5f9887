import { Module } from '@nestjs/common';

import { PresenceModule } from '../presence/presence.module';
import { ActivityConsumer } from './activity.consumer';

/** The room-activity subscription, feeding presence. */
@Module({ imports: [PresenceModule], providers: [ActivityConsumer] })
export class ActivityModule {}
