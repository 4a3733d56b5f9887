import {
  type FriendRoom,
  PresenceQueryResult,
  type PresenceQueryRequest,
  createSubjects,
  replySchema,
} from '@cascade/contracts';
import { NatsBus, SERVICE_CONFIG } from '@cascade/server-kit';
import { Inject, Injectable, Logger } from '@nestjs/common';

import type { IdentityConfig } from '../config';

const PresenceReply = replySchema(PresenceQueryResult);

/**
 * Asks the rooms service where users are now. Presence is a nicety on the friends list: when
 * rooms does not answer in time (or answers an error) every user is "in no room" and it is
 * logged, never an error for the caller.
 */
@Injectable()
export class PresenceClient {
  readonly #logger = new Logger('presence');
  readonly #subject: string;
  readonly #timeoutMs: number;

  constructor(
    private readonly bus: NatsBus,
    @Inject(SERVICE_CONFIG) config: IdentityConfig,
  ) {
    this.#subject = createSubjects(config.NATS_SUBJECT_PREFIX).roomsPresenceQuery();
    this.#timeoutMs = config.IDENTITY_PRESENCE_TIMEOUT_MS;
  }

  /**
   * Where each of `userIds` is, as `viewerId` may see it: `null` for a user in a room the viewer
   * may not join (in a call, nowhere named); users in no room are left out.
   */
  async whereAre(
    tenantId: string,
    viewerId: string,
    userIds: string[],
  ): Promise<Map<string, FriendRoom | null>> {
    if (userIds.length === 0) return new Map();
    const request: PresenceQueryRequest = { tenantId, userIds, viewerId };
    try {
      const reply = PresenceReply.parse(
        await this.bus.request(this.#subject, request, this.#timeoutMs),
      );
      if (!reply.ok) {
        this.#logger.warn(`presence query failed: ${reply.error.code} ${reply.error.message}`);
        return new Map();
      }
      return new Map(
        reply.data.presence.map((p) => [
          p.userId,
          'hidden' in p ? null : { roomId: p.roomId, title: p.roomTitle },
        ]),
      );
    } catch (error) {
      this.#logger.warn(`presence unavailable, friends listed without rooms: ${String(error)}`);
      return new Map();
    }
  }
}
