import { QUEUE_GROUPS, createSubjects } from '@cascade/contracts';
import { NatsBus, SERVICE_CONFIG } from '@cascade/server-kit';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';

import type { IdentityConfig } from '../config';
import { FriendPresence } from './friend-presence';

/**
 * Subscribes to every room's activity (queue group `identity`: each event is handled by one
 * identity instance) and hands it to {@link FriendPresence}.
 */
@Injectable()
export class RoomActivityConsumer implements OnApplicationBootstrap {
  constructor(
    private readonly bus: NatsBus,
    private readonly presence: FriendPresence,
    @Inject(SERVICE_CONFIG) private readonly config: IdentityConfig,
  ) {}

  onApplicationBootstrap(): void {
    const subject = createSubjects(this.config.NATS_SUBJECT_PREFIX).roomActivityAll();
    this.bus.subscribe(subject, (msg) => this.presence.handle(msg.subject, decode(msg)), {
      queue: QUEUE_GROUPS.identity,
    });
  }
}

/** The JSON body of a message, or undefined when it is not JSON (which the contract refuses). */
function decode(msg: Parameters<typeof NatsBus.decode>[0]): unknown {
  try {
    return NatsBus.decode(msg);
  } catch {
    return undefined;
  }
}
