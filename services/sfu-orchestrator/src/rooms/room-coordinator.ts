import {
  CascadeError,
  type OrchestratorRequestOf,
  type OrchestratorResult,
  type OrchestratorRoomEvent,
  type SfuControlOp,
  type SfuControlResult,
  type SfuRoomDumpParticipant,
  type SfuRoomDumpPipe,
  type SfuRoomDumpProducer,
  type SfuRoomEvent,
} from '@cascade/contracts';
import type { SfuControlPayload } from '@cascade/sfu-client';

import type { Placement } from '../placement/placement';
import type { NodeRegistry } from '../registry/node-registry';
import {
  type PipedProducer,
  type RoomState,
  footprint,
  participantsOn,
  pipeKey,
  pipePair,
  pipedKey,
  roomNodes,
} from './room-state';

/** How the coordinator reaches SFU nodes (NATS in the service; fakes in unit tests). */
export interface NodeCalls {
  request<O extends SfuControlOp>(
    nodeId: string,
    op: O,
    payload: SfuControlPayload<O>,
  ): Promise<SfuControlResult<O>>;
}

export interface CoordinatorOutput {
  roomEvent(event: OrchestratorRoomEvent): void;
}

export interface CoordinatorLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface CoordinatorSettings {
  /** How long a piped producer nobody consumes stays before it is closed. */
  pipeLingerMs: number;
}

/**
 * The orchestrator's decisions for one room, applied to its state. Every method is called with
 * the room's state loaded and runs alone for that room (the dispatcher serializes them); it
 * changes `state` in place and the caller saves it afterwards.
 *
 * Cascading: a participant on node B that consumes a producer living on node A needs the room's
 * pipe pair A⇄B (created and connected once) and the producer piped A→B (once per destination
 * node), referenced by the consumers on B that prepared it. When the last of them goes, the copy
 * lingers `pipeLingerMs` and is closed; when the room has nobody left on B, the pair is closed.
 */
export class RoomCoordinator {
  constructor(
    private readonly registry: NodeRegistry,
    private readonly placement: Placement,
    private readonly nodes: NodeCalls,
    private readonly out: CoordinatorOutput,
    private readonly log: CoordinatorLog,
    private readonly settings: CoordinatorSettings,
    private readonly clock: () => number = Date.now,
  ) {}

  async join(
    state: RoomState,
    r: OrchestratorRequestOf<'participant.join'>,
  ): Promise<OrchestratorResult<'participant.join'>> {
    const existing = state.participants[r.participantId];
    if (existing && this.registry.has(existing.nodeId)) {
      const { rtpCapabilities } = await this.nodes.request(existing.nodeId, 'router.capabilities', {
        tenantId: r.tenantId,
        roomId: r.roomId,
      });
      return { ...this.#joinAnswer(state, r.participantId), rtpCapabilities, rejoined: true };
    }
    if (existing) await this.#removeParticipant(state, r.participantId, false);

    const refused = new Set<string>();
    for (;;) {
      const decision = this.placement.place(
        {
          room: footprint(state),
          ...(r.region ? { region: r.region } : {}),
          ...(r.role ? { role: r.role } : {}),
        },
        [...this.registry.snapshots()].filter((n) => !refused.has(n.heartbeat.nodeId)),
        this.clock(),
      );
      try {
        // Opens the room on the node (a draining node refuses) and gives the client's Device
        // what it loads.
        const { rtpCapabilities } = await this.nodes.request(
          decision.nodeId,
          'router.capabilities',
          { tenantId: r.tenantId, roomId: r.roomId },
        );
        state.participants[r.participantId] = {
          participantId: r.participantId,
          ...(r.userId ? { userId: r.userId } : {}),
          nodeId: decision.nodeId,
          workerIndex: decision.workerIndex,
          joinedAt: this.clock(),
          // Kept for the room's later placements: a viewer costs them less than a speaker. Only
          // the join says so (a node's room dump does not tell a viewer from a speaker, and
          // reconciling never adds a participant from a dump).
          ...(r.role === 'viewer' ? { role: 'viewer' as const } : {}),
        };
        this.log.info(
          {
            participantId: r.participantId,
            nodeId: decision.nodeId,
            reason: decision.reason,
            role: r.role ?? 'speaker',
          },
          'participant placed',
        );
        return { ...this.#joinAnswer(state, r.participantId), rtpCapabilities, rejoined: false };
      } catch (error) {
        if (!(error instanceof CascadeError) || error.code !== 'NODE_UNAVAILABLE') throw error;
        // The node is going away or no longer takes rooms: try the next best once per node.
        this.log.warn({ nodeId: decision.nodeId, error: error.message }, 'node refused a room');
        refused.add(decision.nodeId);
      }
    }
  }

  async leave(state: RoomState, participantId: string): Promise<void> {
    if (!state.participants[participantId]) return; // already gone: leaving is idempotent
    await this.#removeParticipant(state, participantId, true);
    await this.#closeUnusedPipes(state);
  }

  locate(state: RoomState, participantId: string) {
    return this.#participant(state, participantId);
  }

  async prepareConsumer(
    state: RoomState,
    r: OrchestratorRequestOf<'consumer.prepare'>,
  ): Promise<OrchestratorResult<'consumer.prepare'>> {
    const consumer = this.#participant(state, r.participantId);
    const producer =
      state.producers[r.producerId] ?? (await this.#discoverProducer(state, r.producerId));
    if (!producer) {
      throw new CascadeError('NOT_FOUND', `producer ${r.producerId} is not in this room`);
    }
    if (producer.nodeId === consumer.nodeId) return { nodeId: consumer.nodeId, piped: false };
    await this.#ensurePipe(state, producer.nodeId, consumer.nodeId);
    const piped = await this.#ensurePiped(state, r.producerId, producer.nodeId, consumer.nodeId);
    if (!piped.consumers.includes(r.participantId)) piped.consumers.push(r.participantId);
    delete piped.idleSince;
    return { nodeId: consumer.nodeId, piped: true };
  }

  /** Applies what a node reports about the room. */
  async onNodeEvent(state: RoomState, event: SfuRoomEvent): Promise<void> {
    switch (event.type) {
      case 'producer.created': {
        const owner = state.participants[event.participantId];
        if (event.piped || !owner || owner.nodeId !== event.nodeId) return;
        state.producers[event.producerId] = {
          producerId: event.producerId,
          participantId: event.participantId,
          nodeId: event.nodeId,
          kind: event.kind,
          source: event.source,
          paused: event.paused,
        };
        return;
      }
      case 'producer.closed': {
        const producer = state.producers[event.producerId];
        if (producer?.nodeId === event.nodeId) await this.#dropProducer(state, event.producerId);
        else delete state.piped[pipedKey(event.producerId, event.nodeId)];
        return;
      }
      case 'producer.paused':
      case 'producer.resumed': {
        const producer = state.producers[event.producerId];
        if (producer?.nodeId !== event.nodeId) return; // a piped copy reporting the mirror
        producer.paused = event.type === 'producer.paused';
        await Promise.all(
          this.#copiesOf(state, event.producerId).map((copy) =>
            this.#quietly(copy.to, 'pipe.setProducerPaused', {
              tenantId: state.tenantId,
              roomId: state.roomId,
              peerNodeId: copy.from,
              producerId: copy.producerId,
              paused: producer.paused,
            }),
          ),
        );
        return;
      }
      case 'consumer.closed': {
        const piped = state.piped[pipedKey(event.producerId, event.nodeId)];
        if (piped) this.#release(piped, event.participantId);
        return;
      }
      default:
        return;
    }
  }

  /**
   * A node is gone: its participants are told to reconnect (and will be placed again, once this
   * work is done), pipes to it are closed on the surviving nodes, and its producers leave the
   * room.
   */
  async nodeLost(state: RoomState, nodeId: string): Promise<void> {
    const lost = participantsOn(state, nodeId).map((p) => p.participantId);
    // Told first: their clients start over while the surviving nodes are cleaned up.
    for (const participantId of lost) this.#reconnect(state, participantId, nodeId, 'node-lost');
    for (const key of Object.keys(state.pipes)) {
      const { a, b } = state.pipes[key]!;
      if (a !== nodeId && b !== nodeId) continue;
      const survivor = a === nodeId ? b : a;
      await this.#quietly(survivor, 'pipe.close', {
        tenantId: state.tenantId,
        roomId: state.roomId,
        peerNodeId: nodeId,
      });
      this.#forgetPair(state, key);
    }
    for (const participantId of lost) await this.#removeParticipant(state, participantId, false);
    await this.#closeUnusedPipes(state);
    if (lost.length > 0) this.log.warn({ nodeId, participants: lost.length }, 'node lost');
  }

  /** Participants whose worker died: their media is gone from a node that lives on. */
  async participantsLost(state: RoomState, nodeId: string, participantIds: string[]) {
    for (const participantId of participantIds) {
      if (state.participants[participantId]?.nodeId !== nodeId) continue;
      await this.#removeParticipant(state, participantId, false);
      this.#reconnect(state, participantId, nodeId, 'worker-lost');
    }
    await this.reconcile(state); // the dead worker may also have held the room's pipes
  }

  /**
   * A node declared lost is back with its process (it was cut off from NATS): the room no longer
   * counts on anything it kept from before, since its participants were told to reconnect and
   * placed again and its pipes were closed at the other ends. What it holds of the room that the
   * state does not place there (participants, with their transports, producers and consumers;
   * pipes to nodes the state has no pair with, with what was piped through them) is closed on
   * it. Runs as the room's work, after or before any placement, so whoever the state places on
   * the node (placed after its return) stays. The state does not change.
   */
  async nodeReturned(state: RoomState, nodeId: string): Promise<void> {
    const dump = await this.#roomDump(state, nodeId);
    if (!dump) return; // nothing kept
    const room = { tenantId: state.tenantId, roomId: state.roomId };
    const placed = new Set(participantsOn(state, nodeId).map((p) => p.participantId));
    const stale = dump.participants.filter((p) => !placed.has(p.participantId));
    for (const { participantId } of stale)
      await this.#quietly(nodeId, 'participant.remove', { ...room, participantId });
    const pipes = dump.pipes.filter((p) => !state.pipes[pipeKey(nodeId, p.peerNodeId)]);
    for (const { peerNodeId } of pipes)
      await this.#quietly(nodeId, 'pipe.close', { ...room, peerNodeId });
    if (stale.length + pipes.length > 0) {
      this.log.warn(
        { roomId: state.roomId, nodeId, participants: stale.length, pipes: pipes.length },
        'closed what a returning node kept of the room',
      );
    }
  }

  /** What `nodeId` holds of the room (its dump); undefined when it holds nothing of it. */
  async #roomDump(state: RoomState, nodeId: string): Promise<NodeRoomDump | undefined> {
    try {
      return await this.nodes.request(nodeId, 'room.dump', {
        tenantId: state.tenantId,
        roomId: state.roomId,
      });
    } catch (error) {
      if (error instanceof CascadeError && error.code === 'NOT_FOUND') return undefined;
      throw error;
    }
  }

  /**
   * Brings the room's state in line with what its nodes report (after a restart, a lost event,
   * or a dead worker): participants and producers that are gone leave; producers the state
   * missed are added; pipes that one end no longer has are closed at the other.
   */
  async reconcile(state: RoomState): Promise<void> {
    for (const nodeId of roomNodes(state)) {
      if (!this.registry.has(nodeId)) {
        await this.nodeLost(state, nodeId);
        continue;
      }
      let dump: NodeRoomDump;
      try {
        dump = (await this.#roomDump(state, nodeId)) ?? EMPTY_DUMP;
      } catch (error) {
        // The node does not answer now: leave its part of the room as it is; the registry
        // declares it dead if it stays silent, and that cleans up.
        this.log.warn({ nodeId, error: String(error) }, 'reconcile skipped a node');
        continue;
      }
      const present = new Set(dump.participants.map((p) => p.participantId));
      for (const p of participantsOn(state, nodeId)) {
        if (present.has(p.participantId)) continue;
        await this.#removeParticipant(state, p.participantId, false);
        this.#reconnect(state, p.participantId, nodeId, 'worker-lost');
      }
      const onNode = new Map(dump.producers.map((p) => [p.producerId, p]));
      for (const p of dump.producers) {
        if (p.fromNodeId || state.producers[p.producerId]) continue;
        if (state.participants[p.participantId]?.nodeId !== nodeId) continue;
        state.producers[p.producerId] = producerView(p, nodeId);
      }
      for (const producer of Object.values(state.producers)) {
        if (producer.nodeId === nodeId && !onNode.has(producer.producerId))
          await this.#dropProducer(state, producer.producerId);
      }
      for (const [key, copy] of Object.entries(state.piped)) {
        if (copy.to === nodeId && onNode.get(copy.producerId)?.fromNodeId !== copy.from)
          delete state.piped[key];
      }
      const peers = new Set(dump.pipes.map((p) => p.peerNodeId));
      for (const [key, { a, b }] of Object.entries(state.pipes)) {
        if (a !== nodeId && b !== nodeId) continue;
        const peer = a === nodeId ? b : a;
        if (peers.has(peer)) continue;
        await this.#quietly(peer, 'pipe.close', {
          tenantId: state.tenantId,
          roomId: state.roomId,
          peerNodeId: nodeId,
        });
        this.#forgetPair(state, key);
      }
    }
    await this.#closeUnusedPipes(state);
  }

  /** Closes piped copies idle for longer than the linger, then pairs nobody needs. */
  async sweep(state: RoomState): Promise<void> {
    const now = this.clock();
    for (const [key, copy] of Object.entries(state.piped)) {
      if (copy.idleSince === undefined || now - copy.idleSince < this.settings.pipeLingerMs)
        continue;
      await this.#closeCopy(state, copy);
      delete state.piped[key];
    }
    await this.#closeUnusedPipes(state);
  }

  /** When the room next needs a sweep, if ever. */
  nextSweepAt(state: RoomState): number | undefined {
    let next: number | undefined;
    for (const copy of Object.values(state.piped)) {
      if (copy.idleSince === undefined) continue;
      const at = copy.idleSince + this.settings.pipeLingerMs;
      if (next === undefined || at < next) next = at;
    }
    return next;
  }

  /** A producer the room's events have not announced yet: ask the nodes the room is on. */
  async #discoverProducer(state: RoomState, producerId: string) {
    for (const nodeId of roomNodes(state)) {
      if (!this.registry.has(nodeId)) continue;
      const dump: NodeRoomDump = await this.nodes
        .request(nodeId, 'room.dump', { tenantId: state.tenantId, roomId: state.roomId })
        .catch(() => EMPTY_DUMP);
      const found = dump.producers.find((p) => p.producerId === producerId && !p.fromNodeId);
      if (found && state.participants[found.participantId]?.nodeId === nodeId) {
        state.producers[producerId] = producerView(found, nodeId);
        return state.producers[producerId];
      }
    }
    return undefined;
  }

  #joinAnswer(state: RoomState, participantId: string) {
    const self = state.participants[participantId]!;
    return {
      nodeId: self.nodeId,
      workerIndex: self.workerIndex,
      // Viewers are not listed: a webinar's thousands would make every join's answer grow with
      // them (and nobody consumes a viewer).
      participants: Object.values(state.participants).filter(
        (p) => p.participantId !== participantId && p.role !== 'viewer',
      ),
      producers: Object.values(state.producers).filter((p) => p.participantId !== participantId),
    };
  }

  #participant(state: RoomState, participantId: string) {
    const p = state.participants[participantId];
    if (!p) {
      throw new CascadeError('NOT_FOUND', `participant ${participantId} is not in this room`);
    }
    return p;
  }

  async #removeParticipant(state: RoomState, participantId: string, tellNode: boolean) {
    const p = state.participants[participantId]!;
    if (tellNode && this.registry.has(p.nodeId)) {
      await this.#quietly(p.nodeId, 'participant.remove', {
        tenantId: state.tenantId,
        roomId: state.roomId,
        participantId,
      });
    }
    for (const producer of Object.values(state.producers)) {
      if (producer.participantId === participantId)
        await this.#dropProducer(state, producer.producerId);
    }
    for (const copy of Object.values(state.piped)) this.#release(copy, participantId);
    delete state.participants[participantId];
  }

  /** The producer is gone from its node: its piped copies go everywhere. */
  async #dropProducer(state: RoomState, producerId: string) {
    for (const copy of this.#copiesOf(state, producerId)) {
      await this.#closeCopy(state, copy);
      delete state.piped[pipedKey(producerId, copy.to)];
    }
    delete state.producers[producerId];
  }

  async #closeCopy(state: RoomState, copy: { producerId: string; from: string; to: string }) {
    const room = { tenantId: state.tenantId, roomId: state.roomId };
    await Promise.all([
      this.#quietly(copy.to, 'pipe.closeProducer', {
        ...room,
        peerNodeId: copy.from,
        producerId: copy.producerId,
      }),
      this.#quietly(copy.from, 'pipe.closeProducer', {
        ...room,
        peerNodeId: copy.to,
        producerId: copy.producerId,
      }),
    ]);
  }

  #copiesOf(state: RoomState, producerId: string) {
    return Object.values(state.piped).filter((c) => c.producerId === producerId);
  }

  #release(copy: { consumers: string[]; idleSince?: number }, participantId: string) {
    const i = copy.consumers.indexOf(participantId);
    if (i < 0) return;
    copy.consumers.splice(i, 1);
    if (copy.consumers.length === 0) copy.idleSince = this.clock();
  }

  async #ensurePipe(state: RoomState, x: string, y: string): Promise<void> {
    const key = pipeKey(x, y);
    if (state.pipes[key]) return;
    const room = { tenantId: state.tenantId, roomId: state.roomId };
    const { a, b } = pipePair(x, y);
    try {
      const [endA, endB] = await Promise.all([
        this.nodes.request(a, 'pipe.create', { ...room, peerNodeId: b }),
        this.nodes.request(b, 'pipe.create', { ...room, peerNodeId: a }),
      ]);
      await Promise.all([
        this.nodes.request(a, 'pipe.connect', { ...room, peerNodeId: b, ...connectTo(endB) }),
        this.nodes.request(b, 'pipe.connect', { ...room, peerNodeId: a, ...connectTo(endA) }),
      ]);
    } catch (error) {
      // Half a pipe is no pipe: close whatever either end opened.
      await Promise.all([
        this.#quietly(a, 'pipe.close', { ...room, peerNodeId: b }),
        this.#quietly(b, 'pipe.close', { ...room, peerNodeId: a }),
      ]);
      throw error;
    }
    state.pipes[key] = { a, b };
    this.log.info({ roomId: state.roomId, a, b }, 'pipe pair opened');
  }

  async #ensurePiped(state: RoomState, producerId: string, from: string, to: string) {
    const key = pipedKey(producerId, to);
    const existing = state.piped[key];
    if (existing) return existing;
    const room = { tenantId: state.tenantId, roomId: state.roomId };
    const out = await this.nodes.request(from, 'pipe.produceOut', {
      ...room,
      peerNodeId: to,
      producerId,
    });
    await this.nodes.request(to, 'pipe.produceIn', { ...room, peerNodeId: from, ...out });
    const copy: PipedProducer = { producerId, from, to, consumers: [] };
    state.piped[key] = copy;
    return copy;
  }

  /** Closes the room's pipe pairs that no longer have participants at both ends. */
  async #closeUnusedPipes(state: RoomState): Promise<void> {
    for (const [key, { a, b }] of Object.entries(state.pipes)) {
      if (participantsOn(state, a).length > 0 && participantsOn(state, b).length > 0) continue;
      const room = { tenantId: state.tenantId, roomId: state.roomId };
      await Promise.all([
        this.registry.has(a) && this.#quietly(a, 'pipe.close', { ...room, peerNodeId: b }),
        this.registry.has(b) && this.#quietly(b, 'pipe.close', { ...room, peerNodeId: a }),
      ]);
      this.#forgetPair(state, key);
      this.log.info({ roomId: state.roomId, a, b }, 'pipe pair closed');
    }
  }

  #forgetPair(state: RoomState, key: string) {
    const { a, b } = state.pipes[key]!;
    delete state.pipes[key];
    for (const [k, copy] of Object.entries(state.piped)) {
      if (pipeKey(copy.from, copy.to) === pipeKey(a, b)) delete state.piped[k];
    }
  }

  #reconnect(
    state: RoomState,
    participantId: string,
    nodeId: string,
    reason: 'node-lost' | 'worker-lost',
  ) {
    this.out.roomEvent({
      type: 'participant.reconnectRequired',
      tenantId: state.tenantId,
      roomId: state.roomId,
      participantId,
      nodeId,
      reason,
      at: this.clock(),
    });
  }

  /** A request whose failure changes nothing for the room (cleanup of what may be gone). */
  async #quietly<O extends SfuControlOp>(nodeId: string, op: O, payload: SfuControlPayload<O>) {
    try {
      await this.nodes.request(nodeId, op, payload);
    } catch (error) {
      const code = error instanceof CascadeError ? error.code : 'INTERNAL';
      if (code !== 'NOT_FOUND' && code !== 'NODE_UNAVAILABLE')
        this.log.warn({ nodeId, op, error: String(error) }, 'cleanup request failed');
    }
  }
}

function connectTo(end: SfuControlResult<'pipe.create'>) {
  return { ip: end.ip, port: end.port, srtpParameters: end.srtpParameters };
}

function producerView(p: NodeRoomDump['producers'][number], nodeId: string) {
  const { producerId, participantId, kind, source, paused } = p;
  return { producerId, participantId, nodeId, kind, source, paused };
}

/** The fields of a node's `room.dump` answer (`SfuRoomDump`) that the coordinator reads. */
export interface NodeRoomDump {
  participants: Array<Pick<SfuRoomDumpParticipant, 'participantId'>>;
  producers: Array<Omit<SfuRoomDumpProducer, 'workerIndex'>>;
  pipes: Array<Pick<SfuRoomDumpPipe, 'peerNodeId'>>;
}

const EMPTY_DUMP: NodeRoomDump = { participants: [], producers: [], pipes: [] };
