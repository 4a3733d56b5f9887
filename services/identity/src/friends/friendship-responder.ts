import { FriendshipQuery, QUEUE_GROUPS, createSubjects, parseOrThrow } from '@cascade/contracts';
import { NatsBus, SERVICE_CONFIG } from '@cascade/server-kit';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';

import type { IdentityConfig } from '../config';
import { Friends } from './friends';

/** Answers `subjects.identityFriendship()`: which of these users are friends of this one. */
@Injectable()
export class FriendshipResponder implements OnApplicationBootstrap {
  constructor(
    private readonly bus: NatsBus,
    private readonly friends: Friends,
    @Inject(SERVICE_CONFIG) private readonly config: IdentityConfig,
  ) {}

  onApplicationBootstrap(): void {
    const subject = createSubjects(this.config.NATS_SUBJECT_PREFIX).identityFriendship();
    this.bus.serve(
      subject,
      async (body) => {
        const query = parseOrThrow(FriendshipQuery, body, 'friendship query');
        const friends = await this.friends.friendsAmong(
          query.tenantId,
          query.userId,
          query.otherUserIds,
        );
        return { friends };
      },
      { queue: QUEUE_GROUPS.identity },
    );
  }
}
