import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import {
  ChatStoreRequest,
  type ChatStoreResult,
  QUEUE_GROUPS,
  createSubjects,
  parseOrThrow,
} from '@cascade/contracts';
import { NatsBus, SERVICE_CONFIG } from '@cascade/server-kit';

import type { RoomsConfig } from '../config';
import { ChatHistory } from './chat-history';

/**
 * Answers `rooms.chat-store` requests (queue group `rooms`: one instance answers each): a chat
 * message the gateway accepted, stored in the room's history before the gateway broadcasts and
 * acknowledges it. A message id stored already is answered `stored: false` with the time it was
 * stored with (a retry); input that
 * does not match the contract is refused `INVALID_ARGUMENT` and nothing is stored.
 */
@Injectable()
export class ChatStoreHandler implements OnApplicationBootstrap {
  constructor(
    private readonly bus: NatsBus,
    private readonly history: ChatHistory,
    @Inject(SERVICE_CONFIG) private readonly config: RoomsConfig,
  ) {}

  onApplicationBootstrap(): void {
    const subject = createSubjects(this.config.NATS_SUBJECT_PREFIX).roomsChatStore();
    this.bus.serve(
      subject,
      async (body): Promise<ChatStoreResult> =>
        this.history.store(parseOrThrow(ChatStoreRequest, body, 'chat store')),
      { queue: QUEUE_GROUPS.rooms },
    );
  }
}
