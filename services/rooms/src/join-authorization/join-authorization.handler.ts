import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import {
  AuthorizeJoinRequest,
  QUEUE_GROUPS,
  createSubjects,
  parseOrThrow,
} from '@cascade/contracts';
import { NatsBus, SERVICE_CONFIG } from '@cascade/server-kit';

import type { RoomsConfig } from '../config';
import { SeatAllocator } from './seat-allocator';

/** Answers `rooms.authorize-join` requests (queue group `rooms`: one instance answers each). */
@Injectable()
export class JoinAuthorizationHandler implements OnApplicationBootstrap {
  private readonly logger = new Logger('join-authorization');

  constructor(
    private readonly bus: NatsBus,
    private readonly seats: SeatAllocator,
    @Inject(SERVICE_CONFIG) private readonly config: RoomsConfig,
  ) {}

  onApplicationBootstrap(): void {
    const subject = createSubjects(this.config.NATS_SUBJECT_PREFIX).roomsAuthorizeJoin();
    this.bus.serve(
      subject,
      async (body) => {
        const request = parseOrThrow(AuthorizeJoinRequest, body, 'join authorization');
        const result = await this.seats.authorize(request);
        this.logger.log({ msg: 'join authorized', ...request, occupied: result.occupied });
        return result;
      },
      { queue: QUEUE_GROUPS.rooms },
    );
  }
}
