import type { DynamicModule, Type } from '@nestjs/common';

import { ActivityModule } from './activity/activity.module';
import { AuthModule } from './auth/auth.module';
import { ChatModule } from './chat/chat.module';
import { DatabaseModule } from './database/database.module';
import { RateLimitModule } from './http/rate-limit.guard';
import { InvitationsModule } from './invitations/invitations.module';
import { JoinAuthorizationModule } from './join-authorization/join-authorization.module';
import { MembershipModule } from './membership/membership.module';
import { PresenceModule } from './presence/presence.module';
import { RoomsModule } from './rooms/rooms.module';

/** The rooms service's capabilities, each a module. */
export function roomsModules(): Array<Type | DynamicModule> {
  return [
    DatabaseModule,
    AuthModule,
    RateLimitModule,
    RoomsModule,
    MembershipModule,
    PresenceModule,
    ChatModule,
    ActivityModule,
    JoinAuthorizationModule,
    InvitationsModule,
  ];
}
