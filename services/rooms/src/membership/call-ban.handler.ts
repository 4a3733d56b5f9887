import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import {
  CallBanRequest,
  type CallBanResult,
  QUEUE_GROUPS,
  createSubjects,
  parseOrThrow,
} from '@cascade/contracts';
import { NatsBus, SERVICE_CONFIG } from '@cascade/server-kit';

import type { RoomsConfig } from '../config';
import { Membership } from './membership';

/**
 * Answers `rooms.call-ban` requests (queue group `rooms`): a ban a moderator decided in a call
 * (the gateway's `participant.ban`), recorded and announced to the gateways.
 */
@Injectable()
export class CallBanHandler implements OnApplicationBootstrap {
  constructor(
    private readonly bus: NatsBus,
    private readonly membership: Membership,
    @Inject(SERVICE_CONFIG) private readonly config: RoomsConfig,
  ) {}

  onApplicationBootstrap(): void {
    const subject = createSubjects(this.config.NATS_SUBJECT_PREFIX).roomsCallBan();
    this.bus.serve(
      subject,
      async (body): Promise<CallBanResult> => ({
        banned: await this.membership.banFromCall(parseOrThrow(CallBanRequest, body, 'call ban')),
      }),
      { queue: QUEUE_GROUPS.rooms },
    );
  }
}
