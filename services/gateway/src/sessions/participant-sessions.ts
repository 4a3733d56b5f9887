import { randomBytes } from 'node:crypto';

import {
  CascadeError,
  type IceServer,
  type JoinResult,
  PROTOCOL_VERSION,
  type ParticipantInfo,
  type ParticipantLeftReason,
  type ParticipantRole,
  type ProducerInfo,
  type ResumeResult,
  type RoomGrants,
  type RoomProducerView,
  type SignalingParsedRequestOf,
  participantRoleOf,
} from '@cascade/contracts';

import type { Routing } from '../routing/routing';
import type { Broadcaster } from '../signaling/broadcaster';
import { type ParticipantRef, participantChannel, roomChannel } from '../signaling/channels';
import {
  type SessionBinding,
  type SignalingSocket,
  roomIdentityOf,
} from '../signaling/socket-data';
import { hashResumeToken, newResumeToken } from './resume-token';
import type { RoomMedia } from './room-media';
import type { SessionStore, StoredSession } from './session-store';
import type { ViewerCountAnnouncer } from './viewer-count';

export interface SessionSettings {
  resumeGraceMs: number;
  /** The ICE servers handed to one session (its own TURN credential: `turn/ice-servers.ts`). */
  iceServers: (participantId: string) => IceServer[];
  /** Placement hint for joins whose client gives none. */
  region: string | undefined;
  /** Ask the rooms service before each join. */
  authorizeJoins: boolean;
}

export interface SessionLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

/** Why a participant is put out of its room (both what it is told and what the room sees). */
export type Expulsion = 'kicked' | 'banned' | 'room_closed' | 'session_expired' | 'revoked';

const newParticipantId = () => `p_${randomBytes(8).toString('hex')}`;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A participant's life in a room, whichever gateway instance holds its socket: joining
 * (authorized by the rooms service, placed by the orchestrator), leaving, being removed, dropping
 * and resuming within the grace period, and being placed anew when its node is lost. Every end of
 * a session goes through {@link end}, which tells the room exactly once.
 */
export class ParticipantSessions {
  /**
   * The router capabilities of the last placement through this gateway: every node runs the
   * same codec configuration, so a client about to join prepares with them (`room.capabilities`).
   */
  #lastCapabilities: JoinResult['rtpCapabilities'] | undefined;
  /** Told when a session ends (once per session, on the instance that ended it; not awaited). */
  readonly #ended = new Set<(participant: ParticipantRef) => Promise<void> | void>();

  constructor(
    private readonly store: SessionStore,
    private readonly media: RoomMedia,
    private readonly routing: Routing,
    private readonly out: Broadcaster,
    private readonly settings: SessionSettings,
    private readonly log: SessionLog,
    private readonly viewerCount: Pick<ViewerCountAnnouncer, 'changed'>,
    private readonly clock: () => number = Date.now,
  ) {}

  async join(
    socket: SignalingSocket,
    request: SignalingParsedRequestOf<'room.join'>,
  ): Promise<JoinResult> {
    if (socket.data.joining) throw new CascadeError('CONFLICT', 'a room.join is already running');
    socket.data.joining = true;
    try {
      if (socket.data.session) {
        const again = await this.#rejoin(socket, socket.data.session, request);
        if (again) return again;
      }
      return await this.#join(socket, request);
    } finally {
      socket.data.joining = false;
    }
  }

  async #join(
    socket: SignalingSocket,
    request: SignalingParsedRequestOf<'room.join'>,
  ): Promise<JoinResult> {
    const identity = roomIdentityOf(socket);
    const { tenantId, roomId, userId, grants } = identity;
    const ref: ParticipantRef = { tenantId, roomId, participantId: newParticipantId() };
    const participantRole = participantRoleOf(grants);
    if (this.settings.authorizeJoins) {
      await this.routing.authorizeJoin({
        tenantId,
        roomId,
        userId,
        participantId: ref.participantId,
        participantRole,
      });
    }
    const failed = (error: unknown): never => {
      // Give back the seat the rooms service holds for this participant.
      if (this.settings.authorizeJoins)
        this.routing.publishActivity({
          type: 'participant.left',
          ...ref,
          userId,
          reason: 'failed',
          at: iso(this.clock()),
        });
      throw error;
    };
    const region = request.region ?? this.settings.region;
    const placed = await this.routing
      .orchestrator('participant.join', {
        ...ref,
        userId,
        ...(region ? { region } : {}),
        ...placementRole(participantRole),
      })
      .catch(failed);
    this.#lastCapabilities = placed.rtpCapabilities;
    // The name others see is the join token's (the user's profile name, or the name an API key
    // minted): a client cannot choose another one. A `displayName` in the request is ignored.
    const displayName = identity.displayName;
    const resumeToken = newResumeToken();
    const joinedAt = this.clock();
    await this.store
      .create({
        ...ref,
        userId,
        displayName,
        grants,
        joinedAt,
        nodeId: placed.nodeId,
        workerIndex: placed.workerIndex,
        rtpCapabilities: placed.rtpCapabilities,
        resumeHash: hashResumeToken(resumeToken),
        socketId: socket.id,
        token: identity.token,
      })
      .catch(async (error: unknown) => {
        await this.routing.orchestrator('participant.leave', ref).catch(() => undefined);
        return failed(error);
      });

    const binding: SessionBinding = {
      ...ref,
      userId,
      displayName,
      nodeId: placed.nodeId,
      workerIndex: placed.workerIndex,
    };
    socket.data.session = binding;
    // In the room's channel before reading who is there: whoever joins after the read is
    // announced to this socket by its own participant.joined.
    await socket.join([roomChannel(tenantId, roomId), participantChannel(ref)]);
    const info: ParticipantInfo = {
      participantId: ref.participantId,
      userId,
      displayName,
      joinedAt,
    };
    // A viewer is no tile: the room hears how many viewers it has, not who they are.
    const announce = () => {
      if (participantRole === 'viewer') this.viewerCount.changed(tenantId, roomId);
      else this.out.toRoom(tenantId, roomId, 'participant.joined', info, ref.participantId);
    };
    this.routing.publishActivity({ type: 'participant.joined', ...ref, userId, at: iso(joinedAt) });
    this.log.info({ ...ref, nodeId: placed.nodeId, participantRole }, 'participant joined');

    const result = await this.#joinResult(
      binding,
      grants,
      resumeToken,
      placed.rtpCapabilities,
      placed.producers,
    );
    await this.#tellSpeaker(binding, result);
    // The socket may have dropped while this join ran: its session then waits for a resume (the
    // room hears of the join before it hears of the drop).
    if (!socket.connected) {
      announce();
      await this.dropped(socket);
      return result;
    }
    // The newcomer's answer goes out first, the room hears of it a moment later: in a big room
    // the announcement (one write to every socket of the room on this gateway, and through the
    // adapter on the others) is the join's largest cost, and every client of the room would
    // read it before the newcomer read its answer. Whoever joins meanwhile finds the newcomer in
    // the roster (stored above) and hears this announcement too, as before.
    setImmediate(announce);
    return result;
  }

  /**
   * A second room.join on a socket that holds a session (after `session.reconnectRequired`): the
   * orchestrator places it anew, its old media is forgotten, the room sees no leave or join.
   * Resolves undefined when the session is gone (a fresh join follows).
   */
  async #rejoin(
    socket: SignalingSocket,
    binding: SessionBinding,
    request: SignalingParsedRequestOf<'room.join'>,
  ): Promise<JoinResult | undefined> {
    const session = await this.store.get(binding);
    if (!session) {
      socket.data.session = undefined;
      return undefined;
    }
    const region = request.region ?? this.settings.region;
    const placed = await this.routing.orchestrator('participant.join', {
      tenantId: binding.tenantId,
      roomId: binding.roomId,
      participantId: binding.participantId,
      userId: binding.userId,
      ...(region ? { region } : {}),
      ...placementRole(participantRoleOf(session.grants)),
    });
    const forgotten = await this.store.replacePlacement(binding, placed);
    if (!forgotten) {
      socket.data.session = undefined;
      return undefined;
    }
    await this.announceProducersClosed(binding, forgotten);
    if (placed.nodeId === session.nodeId) await this.#closeTransports(session);
    socket.data.session = { ...binding, nodeId: placed.nodeId, workerIndex: placed.workerIndex };
    const resumeToken = await this.#rotateResumeToken(session);
    this.log.info({ ...ref(binding), nodeId: placed.nodeId }, 'participant placed again');
    return this.#joinResult(
      socket.data.session,
      session.grants,
      resumeToken,
      placed.rtpCapabilities,
      placed.producers,
    );
  }

  /** What a client about to join prepares its media with (a hint: the join answer decides). */
  async capabilities(): Promise<{ rtpCapabilities: JoinResult['rtpCapabilities'] }> {
    if (!this.#lastCapabilities)
      throw new CascadeError('NOT_FOUND', 'no participant was placed through this gateway yet');
    return { rtpCapabilities: this.#lastCapabilities };
  }

  /** The state of the session this socket took over at the handshake (or holds). */
  async resume(socket: SignalingSocket): Promise<ResumeResult> {
    const binding = socket.data.session;
    if (!binding) {
      throw new CascadeError(
        'CONFLICT',
        'nothing to resume: connect with the resumeToken of a session to take it back',
      );
    }
    const session = await this.store.get(binding);
    if (!session) {
      socket.data.session = undefined;
      throw new CascadeError('NOT_FOUND', 'the session is over (its grace period expired)');
    }
    const resumeToken = await this.#rotateResumeToken(session);
    const joined = await this.#joinResult(
      binding,
      session.grants,
      resumeToken,
      session.rtpCapabilities,
      [],
    );
    return {
      ...joined,
      transports: session.transports,
      producerIds: session.producerIds,
      consumerIds: session.consumers.map((c) => c.consumerId),
    };
  }

  async leave(socket: SignalingSocket): Promise<Record<string, never>> {
    const binding = socket.data.session!;
    socket.data.session = undefined;
    await this.end(binding, 'left');
    await socket.leave(roomChannel(binding.tenantId, binding.roomId));
    await socket.leave(participantChannel(binding));
    return {};
  }

  async list(
    socket: SignalingSocket,
  ): Promise<{ participants: ParticipantInfo[]; viewers: number }> {
    const { tenantId, roomId } = socket.data.session!;
    const [participants, viewers] = await Promise.all([
      this.store.roster(tenantId, roomId),
      this.store.viewerCount(tenantId, roomId),
    ]);
    return { participants, viewers };
  }

  /**
   * Puts a participant out of its room for good, wherever its socket is: it is told why
   * (`session.removed`), its session ends (the room is told, its media is closed, its resume
   * token is dead) and its sockets are disconnected. Resolves whether this call ended it.
   */
  async expel(participant: ParticipantRef, reason: Expulsion): Promise<boolean> {
    const target = ref(participant);
    this.out.toParticipant(target, 'session.removed', { reason });
    const ended = await this.end(target, reason);
    this.out.disconnectParticipant(target);
    if (ended) this.log.info({ ...target, reason }, 'participant expelled');
    return ended;
  }

  /** Calls `listener` whenever a session ends from now on (see {@link end}). */
  onEnded(listener: (participant: ParticipantRef) => Promise<void> | void): void {
    this.#ended.add(listener);
  }

  /**
   * Ends a session: the room is told (`participant.left`, `producer.closed` for what it still
   * published), the rooms service and the orchestrator too. Only the first caller for a session
   * does anything; resolves whether this call ended it.
   */
  async end(participant: ParticipantRef, reason: ParticipantLeftReason): Promise<boolean> {
    const session = await this.store.remove(participant);
    if (!session) return false;
    const { tenantId, roomId, participantId } = session;
    await this.announceProducersClosed(session, session.producerIds);
    if (participantRoleOf(session.grants) === 'viewer') this.viewerCount.changed(tenantId, roomId);
    else
      this.out.toRoom(
        tenantId,
        roomId,
        'participant.left',
        { participantId, reason },
        participantId,
      );
    this.routing.publishActivity({
      type: 'participant.left',
      tenantId,
      roomId,
      participantId,
      userId: session.userId,
      reason,
      at: iso(this.clock()),
    });
    await this.routing
      .orchestrator('participant.leave', { tenantId, roomId, participantId })
      .catch((error: unknown) =>
        this.log.warn({ ...ref(session), error: String(error) }, 'orchestrator leave failed'),
      );
    // Not awaited: what listeners do (forget its view) must not hold up the leave.
    for (const listener of this.#ended)
      void Promise.resolve()
        .then(() => listener(ref(session)))
        .catch((error: unknown) =>
          this.log.warn({ ...ref(session), error: String(error) }, 'a session-end listener failed'),
        );
    this.log.info({ ...ref(session), reason }, 'participant left');
    return true;
  }

  /** The socket dropped without leaving: its session waits for a resume. */
  async dropped(socket: SignalingSocket): Promise<void> {
    const binding = socket.data.session;
    if (!binding) return;
    const expiresAt = this.clock() + this.settings.resumeGraceMs;
    if (await this.store.markDisconnected(binding, socket.id, expiresAt)) {
      this.log.info({ ...ref(binding), graceMs: this.settings.resumeGraceMs }, 'socket dropped');
    }
  }

  /**
   * Binds a connecting socket to the session its resume token names, unless the session's grace
   * period is over. A socket that still holds the session (on any instance) is told it was
   * replaced and disconnected.
   */
  async claimResume(resumeToken: string, socketId: string): Promise<StoredSession | undefined> {
    const found = await this.store.resolveResume(hashResumeToken(resumeToken));
    if (!found) return undefined;
    const claim = await this.store.claimForResume(found, socketId);
    if (claim.outcome !== 'taken') return undefined;
    if (claim.previousSocketId) {
      // The connecting socket is not in the participant's channel yet, but will be by the time
      // the disconnection (through Redis) is carried out: it is spared by its id.
      this.out.toParticipant(found, 'session.removed', { reason: 'replaced' });
      this.out.disconnectParticipant(found, socketId);
    }
    this.log.info({ ...found }, 'session resumed');
    return claim.session;
  }

  /** The participant's node or worker is gone: its producers are gone, it must join again. */
  async reconnectRequired(
    participant: ParticipantRef,
    reason: 'node-lost' | 'worker-lost',
  ): Promise<boolean> {
    const session = await this.store.get(participant);
    if (!session) return false;
    await this.announceProducersClosed(session, session.producerIds);
    this.out.toParticipant(participant, 'session.reconnectRequired', { reason });
    return true;
  }

  /** Removes producers from the room's registry and announces each one this call removed. */
  async announceProducersClosed(participant: ParticipantRef, producerIds: string[]): Promise<void> {
    if (producerIds.length === 0) return;
    const removed = await this.media.removeProducers(
      participant.tenantId,
      participant.roomId,
      producerIds,
    );
    for (const p of removed) {
      this.out.toRoom(
        participant.tenantId,
        participant.roomId,
        'producer.closed',
        { producerId: p.producerId, participantId: p.participantId },
        p.participantId,
      );
    }
  }

  async #joinResult(
    binding: SessionBinding,
    grants: RoomGrants,
    resumeToken: string,
    rtpCapabilities: JoinResult['rtpCapabilities'],
    orchestratorView: RoomProducerView[],
  ): Promise<JoinResult> {
    const { tenantId, roomId, participantId } = binding;
    const [roster, registry, viewers] = await Promise.all([
      this.store.roster(tenantId, roomId),
      this.media.producers(tenantId, roomId),
      this.store.viewerCount(tenantId, roomId),
    ]);
    const present = new Set(roster.map((p) => p.participantId));
    // The registry is what producer events were announced from; the orchestrator's view adds
    // producers of participants present whose announcement is still on its way.
    const producers = new Map<string, ProducerInfo>(registry.map((p) => [p.producerId, p]));
    for (const p of orchestratorView) {
      if (!producers.has(p.producerId)) {
        const { nodeId: _node, ...info } = p;
        producers.set(p.producerId, info);
      }
    }
    return {
      protocolVersion: PROTOCOL_VERSION,
      tenantId,
      roomId,
      participantId,
      userId: binding.userId,
      displayName: binding.displayName,
      grants,
      role: participantRoleOf(grants),
      resumeToken,
      resumeGraceMs: this.settings.resumeGraceMs,
      rtpCapabilities,
      iceServers: this.settings.iceServers(participantId),
      participants: roster.filter((p) => p.participantId !== participantId),
      producers: [...producers.values()].filter(
        (p) => p.participantId !== participantId && present.has(p.participantId),
      ),
      viewers,
    };
  }

  /**
   * A newcomer hears who is speaking now (speakers are announced when they change, which may be
   * long before it came): the room's last speaker, if still in the room and still publishing.
   */
  async #tellSpeaker(binding: SessionBinding, result: JoinResult): Promise<void> {
    const speaker = await this.media.speaker(binding.tenantId, binding.roomId);
    if (
      speaker &&
      result.producers.some(
        (p) => p.producerId === speaker.producerId && p.participantId === speaker.participantId,
      )
    )
      this.out.toParticipant(ref(binding), 'speaker.active', speaker);
  }

  async #rotateResumeToken(session: StoredSession): Promise<string> {
    const token = newResumeToken();
    const rotated = await this.store.rotateResume(
      session,
      hashResumeToken(token),
      session.resumeHash,
      this.settings.resumeGraceMs,
    );
    if (!rotated) throw new CascadeError('NOT_FOUND', 'the session is over');
    return token;
  }

  async #closeTransports(session: StoredSession): Promise<void> {
    if (session.transports.length === 0) return;
    const node = await this.routing.node(session.nodeId);
    await Promise.all(
      session.transports.map(({ transportId }) =>
        node.request('transport.close', { ...ref(session), transportId }).catch(() => undefined),
      ),
    );
  }
}

function ref(p: ParticipantRef): ParticipantRef {
  return { tenantId: p.tenantId, roomId: p.roomId, participantId: p.participantId };
}

/**
 * The role the orchestrator places a join with: said only for a viewer, which costs it far less
 * than a speaker (it publishes nothing). A speaker's join carries no role, as before roles
 * existed (the orchestrator takes a join without one for a speaker): an orchestrator older than
 * roles refuses a request with a field it does not know, and only viewers' joins then fail
 * while a deployment rolls, not everyone's.
 */
function placementRole(role: ParticipantRole): { role?: 'viewer' } {
  return role === 'viewer' ? { role } : {};
}
