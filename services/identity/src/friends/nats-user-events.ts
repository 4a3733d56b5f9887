import { FriendUserEvent, createSubjects, parseOrThrow, wireJson } from '@cascade/contracts';
import { NatsBus, withTimeout } from '@cascade/server-kit';

import type { UserEventPublisher } from './friend-notifier';

const json = wireJson;

/** Publishes a user's notification on `subjects.userEvents(tenant, user)` for the gateways. */
export class NatsUserEvents implements UserEventPublisher {
  readonly #subjects: ReturnType<typeof createSubjects>;

  constructor(
    private readonly bus: NatsBus,
    subjectPrefix: string,
    /** How long a publish waits for NATS to be connected before it counts as failed. */
    private readonly connectTimeoutMs: number,
  ) {
    this.#subjects = createSubjects(subjectPrefix);
  }

  async publish(event: FriendUserEvent): Promise<void> {
    const body = parseOrThrow(FriendUserEvent, event, 'friend event');
    const subject = this.#subjects.userEvents(body.tenantId, body.userId);
    const nc = await withTimeout(this.bus.connected(), this.connectTimeoutMs, 'NATS connection');
    nc.publish(subject, json.encode(body));
  }
}
