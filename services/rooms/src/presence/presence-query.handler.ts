import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import {
  PresenceQueryRequest,
  QUEUE_GROUPS,
  createSubjects,
  parseOrThrow,
} from '@cascade/contracts';
import { NatsBus, SERVICE_CONFIG } from '@cascade/server-kit';

import type { RoomsConfig } from '../config';
import { PresenceRecorder } from './presence-recorder';

/** Answers `rooms.presence-query` requests (identity asks where a user's friends are). */
@Injectable()
export class PresenceQueryHandler implements OnApplicationBootstrap {
  constructor(
    private readonly bus: NatsBus,
    private readonly presence: PresenceRecorder,
    @Inject(SERVICE_CONFIG) private readonly config: RoomsConfig,
  ) {}

  onApplicationBootstrap(): void {
    const subject = createSubjects(this.config.NATS_SUBJECT_PREFIX).roomsPresenceQuery();
    this.bus.serve(
      subject,
      (body) => this.presence.query(parseOrThrow(PresenceQueryRequest, body, 'presence query')),
      { queue: QUEUE_GROUPS.rooms },
    );
  }
}
