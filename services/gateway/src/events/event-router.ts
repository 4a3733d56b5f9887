import {
  OrchestratorRoomEvent,
  SfuRoomEvent,
  type SignalingEventName,
  type Subjects,
  UserEvent,
} from '@cascade/contracts';

import type { Broadcaster } from '../signaling/broadcaster';
import type { ParticipantRef } from '../signaling/channels';

/** What the router reads and changes of the gateway's state. */
export interface EventRouterState {
  /** Removes producers from the room's registry; resolves with the ones this call removed. */
  removeProducers(
    tenantId: string,
    roomId: string,
    producerIds: string[],
  ): Promise<Array<{ producerId: string; participantId: string }>>;
  /** Records the room's active speaker; true when it changed. */
  swapSpeaker(tenantId: string, roomId: string, speaker: string): Promise<boolean>;
  /** Forgets a media object of a session; true for the one caller that removed it. */
  forget(
    participant: ParticipantRef,
    kind: 'transport' | 'producer' | 'consumer',
    id: string,
  ): Promise<boolean>;
  /** A node's loudest voices (not forwarded: a big room's audio follows them). */
  audioLevels?(
    tenantId: string,
    roomId: string,
    levels: ReadonlyArray<{ participantId: string; volume: number }>,
  ): void;
  /** The participant's media is gone: it must join again. */
  reconnectRequired(
    participant: ParticipantRef,
    reason: 'node-lost' | 'worker-lost',
  ): Promise<boolean>;
}

/** Why an event was not forwarded (for logs and tests), or `forwarded`. */
export type Routed =
  'forwarded' | 'invalid' | 'wrong-subject' | 'ignored' | 'duplicate' | 'unknown-session';

/**
 * Turns the events of SFU nodes, the orchestrator, and the rooms and identity services (each taken by one
 * gateway instance, NATS queue group) into signaling events for the sockets concerned, once:
 * a producer close that the gateway already announced, a pipe's copy closing, or the same active
 * speaker reported by several nodes is not announced again. An event must arrive on the subject
 * of its own tenant and room, or it is dropped.
 */
export class EventRouter {
  constructor(
    private readonly subjects: Subjects,
    private readonly state: EventRouterState,
    private readonly out: Broadcaster,
    private readonly forwarded: (event: SignalingEventName) => void = () => undefined,
  ) {}

  /** An event of `subjects.sfuRoomEventsAll()`. */
  async sfuRoomEvent(subject: string, body: unknown): Promise<Routed> {
    const parsed = SfuRoomEvent.safeParse(body);
    if (!parsed.success) return 'invalid';
    const e = parsed.data;
    if (
      !this.#onSubject(subject, () => this.subjects.sfuRoomEvents(e.nodeId, e.tenantId, e.roomId))
    )
      return 'wrong-subject';
    switch (e.type) {
      case 'producer.closed': {
        // A piped copy closing says nothing about the producer itself.
        if (e.reason === 'pipe-closed') return 'ignored';
        const removed = await this.state.removeProducers(e.tenantId, e.roomId, [e.producerId]);
        if (removed.length === 0) return 'duplicate';
        await this.state.forget(e, 'producer', e.producerId);
        this.out.toRoom(
          e.tenantId,
          e.roomId,
          'producer.closed',
          { producerId: e.producerId, participantId: e.participantId },
          e.participantId,
        );
        return this.#sent('producer.closed');
      }
      case 'consumer.closed': {
        if (!(await this.state.forget(e, 'consumer', e.consumerId))) return 'duplicate';
        this.out.toParticipant(e, 'consumer.closed', {
          consumerId: e.consumerId,
          producerId: e.producerId,
        });
        return this.#sent('consumer.closed');
      }
      case 'consumer.layersChanged':
        this.out.toParticipant(e, 'consumer.layersChanged', {
          consumerId: e.consumerId,
          spatialLayer: e.layers?.spatialLayer ?? null,
          temporalLayer: e.layers?.temporalLayer ?? null,
        });
        return this.#sent('consumer.layersChanged');
      case 'room.activeSpeaker': {
        const speaker = `${e.participantId}/${e.producerId}`;
        if (!(await this.state.swapSpeaker(e.tenantId, e.roomId, speaker))) return 'duplicate';
        this.out.toRoom(e.tenantId, e.roomId, 'speaker.active', {
          participantId: e.participantId,
          producerId: e.producerId,
        });
        return this.#sent('speaker.active');
      }
      case 'room.audioLevels':
        this.state.audioLevels?.(e.tenantId, e.roomId, e.levels);
        return 'ignored';
      case 'transport.closed':
        // Bookkeeping only: a resumed session lists the transports still alive.
        await this.state.forget(e, 'transport', e.transportId);
        return 'ignored';
      default:
        // producer.created/paused/resumed are announced by the gateway as it does them.
        return 'ignored';
    }
  }

  /** An event of `subjects.roomEventsAll()` (the orchestrator's). */
  async roomEvent(subject: string, body: unknown): Promise<Routed> {
    const parsed = OrchestratorRoomEvent.safeParse(body);
    if (!parsed.success) return 'invalid';
    const e = parsed.data;
    if (!this.#onSubject(subject, () => this.subjects.roomEvents(e.tenantId, e.roomId)))
      return 'wrong-subject';
    const { tenantId, roomId, participantId } = e;
    if (!(await this.state.reconnectRequired({ tenantId, roomId, participantId }, e.reason)))
      return 'unknown-session';
    return this.#sent('session.reconnectRequired');
  }

  /**
   * An event of `subjects.userEventsAll()`: a notification for one user (rooms: invitations;
   * identity: friends), to every socket of that user, room sockets and user connections alike.
   */
  userEvent(subject: string, body: unknown): Routed {
    const parsed = UserEvent.safeParse(body);
    if (!parsed.success) return 'invalid';
    const e = parsed.data;
    if (!this.#onSubject(subject, () => this.subjects.userEvents(e.tenantId, e.userId)))
      return 'wrong-subject';
    this.out.toUser(e.tenantId, e.userId, 'user.notification', e);
    return this.#sent('user.notification');
  }

  #onSubject(subject: string, expected: () => string): boolean {
    try {
      return expected() === subject;
    } catch {
      return false;
    }
  }

  #sent(event: SignalingEventName): Routed {
    this.forwarded(event);
    return 'forwarded';
  }
}
