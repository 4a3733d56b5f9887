import type { SignalingEventName, SignalingEventOf } from '@cascade/contracts';

import type { ParticipantRef } from './channels';

/**
 * Sends server events to sockets wherever they are connected (every gateway instance, through
 * the Redis adapter). Domain code depends on this, not on Socket.IO.
 */
export interface Broadcaster {
  /** To everyone in a room, except one participant's sockets when given. */
  toRoom<E extends SignalingEventName>(
    tenantId: string,
    roomId: string,
    event: E,
    payload: SignalingEventOf<E>,
    exceptParticipantId?: string,
  ): void;
  toParticipant<E extends SignalingEventName>(
    participant: ParticipantRef,
    event: E,
    payload: SignalingEventOf<E>,
  ): void;
  toUser<E extends SignalingEventName>(
    tenantId: string,
    userId: string,
    event: E,
    payload: SignalingEventOf<E>,
  ): void;
  /**
   * Closes the connection of every socket of a participant, on every instance (through Redis,
   * so even this instance's sockets go a moment later), except the socket named.
   */
  disconnectParticipant(participant: ParticipantRef, exceptSocketId?: string): void;
}
