import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import {
  MemberRoleRequest,
  type MemberRoleResult,
  QUEUE_GROUPS,
  createSubjects,
  parseOrThrow,
} from '@cascade/contracts';
import { NatsBus, SERVICE_CONFIG } from '@cascade/server-kit';

import type { RoomsConfig } from '../config';
import { Membership } from './membership';

/**
 * Answers `rooms.member-role` requests (queue group `rooms`): a user's role in a room, which
 * identity asks before it lets a user mint a join token with the `admin` grant.
 */
@Injectable()
export class MemberRoleHandler implements OnApplicationBootstrap {
  constructor(
    private readonly bus: NatsBus,
    private readonly membership: Membership,
    @Inject(SERVICE_CONFIG) private readonly config: RoomsConfig,
  ) {}

  onApplicationBootstrap(): void {
    const subject = createSubjects(this.config.NATS_SUBJECT_PREFIX).roomsMemberRole();
    this.bus.serve(
      subject,
      async (body): Promise<MemberRoleResult> => ({
        role: await this.membership.roleOf(parseOrThrow(MemberRoleRequest, body, 'member role')),
      }),
      { queue: QUEUE_GROUPS.rooms },
    );
  }
}
