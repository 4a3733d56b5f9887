import {
  type CallBanRequest,
  CascadeError,
  type SignalingParsedRequestOf,
  type SignalingResultOf,
} from '@cascade/contracts';

import type { Routing } from '../routing/routing';
import type { ParticipantSessions } from '../sessions/participant-sessions';
import type { RoomMedia } from '../sessions/room-media';
import type { SessionStore } from '../sessions/session-store';
import type { Broadcaster } from '../signaling/broadcaster';
import type { ParticipantRef } from '../signaling/channels';
import { type SignalingSocket, roomIdentityOf } from '../signaling/socket-data';
import { type Moderators, type RoomsRequest, askCallBan } from './moderators';

export interface ModerationLog {
  info(fields: Record<string, unknown>, message: string): void;
}

/**
 * What a moderator (a token with the `admin` grant, or the room's owner or a moderator: see
 * {@link Moderators}) does to another participant: mute its microphone or camera, remove it, ban
 * it. Only participants of the moderator's own tenant and room are reached: the target is looked
 * up under the moderator's session, never under anything the request names.
 */
export class Moderation {
  constructor(
    private readonly store: Pick<SessionStore, 'get'>,
    private readonly media: Pick<RoomMedia, 'producers' | 'setPaused'>,
    private readonly routing: Pick<Routing, 'node'>,
    private readonly out: Broadcaster,
    private readonly log: ModerationLog,
    private readonly moderators: Pick<Moderators, 'authorityOf'>,
    private readonly sessions: Pick<ParticipantSessions, 'expel'>,
    private readonly callBan: RoomsRequest<CallBanRequest>,
  ) {}

  /**
   * Removes another participant: it is told `kicked`, its session ends (media closed, no
   * resume), the room sees it leave with `kicked`. It may join again.
   */
  async remove(
    socket: SignalingSocket,
    request: SignalingParsedRequestOf<'participant.remove'>,
  ): Promise<SignalingResultOf<'participant.remove'>> {
    const { target } = await this.#target(
      socket,
      request.participantId,
      'to leave the room, send room.leave',
    );
    if (!(await this.sessions.expel(target, 'kicked'))) throw notInRoom(target.participantId);
    this.log.info(
      { ...target, by: socket.data.session!.participantId },
      'participant removed by a moderator',
    );
    return {};
  }

  /**
   * Bans another participant's user from the room: the rooms service records the ban (and
   * announces it, which ends that user's other sessions in the room), and the participant is put
   * out at once: told `banned`, media closed, no resume; the room sees it leave with `banned`.
   */
  async ban(
    socket: SignalingSocket,
    request: SignalingParsedRequestOf<'participant.ban'>,
  ): Promise<SignalingResultOf<'participant.ban'>> {
    const { target, userId, authority } = await this.#target(
      socket,
      request.participantId,
      'you cannot ban yourself',
    );
    const self = socket.data.session!;
    if (userId === self.userId)
      throw new CascadeError('INVALID_ARGUMENT', 'you cannot ban yourself');
    await askCallBan(this.callBan, {
      tenantId: target.tenantId,
      roomId: target.roomId,
      userId,
      bannedBy: self.userId,
      authority,
      ...(request.reason === undefined ? {} : { reason: request.reason }),
    });
    await this.sessions.expel(target, 'banned');
    this.log.info(
      { ...target, userId, by: self.participantId },
      'participant banned by a moderator',
    );
    return {};
  }

  /** The target of a moderation, in the moderator's own room; the moderator's authority. */
  async #target(socket: SignalingSocket, participantId: string, selfMessage: string) {
    const self = socket.data.session;
    if (!self) throw new CascadeError('CONFLICT', 'join the room first (room.join)');
    const authority = await this.moderators.authorityOf(roomIdentityOf(socket));
    if (participantId === self.participantId)
      throw new CascadeError('INVALID_ARGUMENT', selfMessage);
    const target: ParticipantRef = { tenantId: self.tenantId, roomId: self.roomId, participantId };
    const session = await this.store.get(target);
    if (!session) throw notInRoom(participantId);
    return { target, userId: session.userId, authority };
  }

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
    // Who may moderate is settled first: a non-moderator learns nothing about the room.
    await this.moderators.authorityOf(roomIdentityOf(socket));
    if (request.participantId === self.participantId) {
      throw new CascadeError(
        'INVALID_ARGUMENT',
        'to mute yourself, pause your own producer (producer.pause)',
      );
    }
    const { tenantId, roomId } = self;
    const target: ParticipantRef = { tenantId, roomId, participantId: request.participantId };
    const session = await this.store.get(target);
    if (!session) throw notInRoom(target.participantId);
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

function notInRoom(participantId: string): CascadeError {
  return new CascadeError('NOT_FOUND', `participant ${participantId} is not in this room`);
}
