import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { QUEUE_GROUPS, RoomActivityEvent, createSubjects, parseResult } from '@cascade/contracts';
import { type MessageHandler, NatsBus, SERVICE_CONFIG } from '@cascade/server-kit';

import type { RoomsConfig } from '../config';
import { PresenceRecorder } from '../presence/presence-recorder';

type Msg = Parameters<MessageHandler>[0];

/**
 * Consumes every room's activity (queue group `rooms`: each event is handled by one instance)
 * into presence. (Chat is not activity: the gateway has each message stored with a
 * `rooms.chat-store` request, see `ChatStoreHandler`.) An event that does not match the contract, or whose tenant
 * and room differ from its subject's, is logged and dropped.
 */
@Injectable()
export class ActivityConsumer implements OnApplicationBootstrap {
  private readonly logger = new Logger('room-activity');

  constructor(
    private readonly bus: NatsBus,
    private readonly presence: PresenceRecorder,
    @Inject(SERVICE_CONFIG) private readonly config: RoomsConfig,
  ) {}

  onApplicationBootstrap(): void {
    const subjects = createSubjects(this.config.NATS_SUBJECT_PREFIX);
    this.bus.subscribe(subjects.roomActivityAll(), (msg) => this.#handle(msg, subjects), {
      queue: QUEUE_GROUPS.rooms,
    });
  }

  async #handle(msg: Msg, subjects: ReturnType<typeof createSubjects>): Promise<void> {
    let payload: unknown;
    try {
      payload = NatsBus.decode(msg);
    } catch {
      this.logger.warn({ msg: 'room activity event is not JSON; dropped', subject: msg.subject });
      return;
    }
    const parsed = parseResult(RoomActivityEvent, payload, 'room activity event');
    if (!parsed.ok) {
      this.logger.warn({ msg: parsed.error.message, subject: msg.subject });
      return;
    }
    const event = parsed.value;
    if (subjects.roomActivity(event.tenantId, event.roomId) !== msg.subject) {
      this.logger.warn({
        msg: 'room activity event on another room’s subject; dropped',
        subject: msg.subject,
      });
      return;
    }
    const log = {
      tenantId: event.tenantId,
      roomId: event.roomId,
      participantId: event.participantId,
    };
    switch (event.type) {
      case 'participant.joined':
        if (await this.presence.joined(event))
          this.logger.debug({ msg: 'participant joined', ...log });
        return;
      case 'participant.left':
        if (await this.presence.left(event)) this.logger.debug({ msg: 'participant left', ...log });
        return;
    }
  }
}
