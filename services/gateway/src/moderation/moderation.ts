import {
  CascadeError,
  type SignalingParsedRequestOf,
  type SignalingResultOf,
} from '@cascade/contracts';

import type { Routing } from '../routing/routing';
import type { RoomMedia } from '../sessions/room-media';
import type { SessionStore } from '../sessions/session-store';
import type { Broadcaster } from '../signaling/broadcaster';
import type { ParticipantRef } from '../signaling/channels';
import type { SignalingSocket } from '../signaling/socket-data';

export interface ModerationLog {
  info(fields: Record<string, unknown>, message: string): void;
}

/**
 * What a moderator (a participant with the `admin` grant, checked by the request pipeline) does to
 * another participant's media. Only participants of the moderator's own tenant and room are
 * reached: the target is looked up under the moderator's session, never under anything the
 * request names.
 */
export class Moderation {
  constructor(
    private readonly store: Pick<SessionStore, 'get'>,
    private readonly media: Pick<RoomMedia, 'producers' | 'setPaused'>,
    private readonly routing: Pick<Routing, 'node'>,
    private readonly out: Broadcaster,
    private readonly log: ModerationLog,
  ) {}

  /**
   * Pauses the target's producer of a source on its SFU node, as the target's own
   * `producer.pause` would: the room is told `producer.paused`, the target
   * `producer.mutedByModerator` (once: muting what is already paused changes nothing). The target
   * alone may resume it.
   */
  async mute(
    socket: SignalingSocket,
    request: SignalingParsedRequestOf<'participant.mute'>,
  ): Promise<SignalingResultOf<'participant.mute'>> {
    const self = socket.data.session;
    if (!self) throw new CascadeError('CONFLICT', 'join the room first (room.join)');
    if (request.participantId === self.participantId) {
      throw new CascadeError(
        'INVALID_ARGUMENT',
        'to mute yourself, pause your own producer (producer.pause)',
      );
    }
    const { tenantId, roomId } = self;
    const target: ParticipantRef = { tenantId, roomId, participantId: request.participantId };
    const session = await this.store.get(target);
    if (!session) {
      throw new CascadeError(
        'NOT_FOUND',
        `participant ${target.participantId} is not in this room`,
      );
    }
    const producers = (await this.media.producers(tenantId, roomId)).filter(
      (p) => p.participantId === target.participantId && p.source === request.source,
    );
    if (producers.length === 0) {
      throw new CascadeError(
        'NOT_FOUND',
        `participant ${target.participantId} publishes no ${request.source}`,
      );
    }
    const node = await this.routing.node(session.nodeId);
    for (const { producerId } of producers) {
      await node.request('producer.pause', { ...target, producerId });
      if (!(await this.media.setPaused(tenantId, roomId, producerId, true))) continue;
      this.out.toRoom(
        tenantId,
        roomId,
        'producer.paused',
        { producerId, participantId: target.participantId },
        target.participantId,
      );
      this.out.toParticipant(target, 'producer.mutedByModerator', {
        producerId,
        source: request.source,
        by: self.participantId,
      });
      this.log.info(
        { ...target, producerId, source: request.source, by: self.participantId },
        'participant muted by a moderator',
      );
    }
    return {};
  }
}
