import { EventEmitter } from 'node:events';

import { CascadeError, type SfuNodeEvent, type SfuNodeState } from '@cascade/contracts';

import { type RoomHost, NodeRoom, type TransportSettings, roomKey } from './node-room';
import type { RoomEventSink } from './room-events';
import type { ParticipantLimits } from './room-participant';
import type { WorkerPool } from './worker-pool';

export interface SfuNodeSettings {
  nodeId: string;
  transport: TransportSettings;
  limits: ParticipantLimits;
  lingerMs: number;
}

export interface NodeEventSink {
  publish(event: SfuNodeEvent): void;
}

interface SfuNodeEvents {
  state: [state: SfuNodeState];
  /** Draining and no room left: the node may exit. */
  drained: [];
}

/**
 * The media host: its worker pool, its rooms, and its state (starting → serving ⇄ draining).
 * A draining node refuses new rooms and keeps serving the ones it has; when the last one closes
 * it emits `drained`. A worker that dies takes its rooms' routers, participants and pipes with
 * it; the node reports who was lost and serves new rooms on the replacement worker.
 */
export class SfuNode extends EventEmitter<SfuNodeEvents> implements RoomHost {
  readonly rooms = new Map<string, NodeRoom>();
  readonly #lostByWorker = new Map<
    number,
    Array<{ tenantId: string; roomId: string; participantIds: string[] }>
  >();
  #state: SfuNodeState = 'starting';

  constructor(
    readonly pool: WorkerPool,
    private readonly settings: SfuNodeSettings,
    readonly sink: RoomEventSink,
    private readonly nodeSink: NodeEventSink,
  ) {
    super();
    pool.on('workerDied', (index) => this.#workerDied(index));
    pool.on('workerReplaced', (index) => this.#reportWorkerDeath(index, true));
    pool.on('workerReplaceFailed', (index) => this.#reportWorkerDeath(index, false));
  }

  get nodeId(): string {
    return this.settings.nodeId;
  }

  get limits(): ParticipantLimits {
    return this.settings.limits;
  }

  get transport(): TransportSettings {
    return this.settings.transport;
  }

  get lingerMs(): number {
    return this.settings.lingerMs;
  }

  get state(): SfuNodeState {
    return this.#state;
  }

  get participantCount(): number {
    let count = 0;
    for (const room of this.rooms.values()) count += room.participants.size;
    return count;
  }

  async start(): Promise<void> {
    await this.pool.start();
    this.#setState('serving');
  }

  worker(index: number) {
    return this.pool.slot(index);
  }

  /** The room, which must already be on this node. */
  room(tenantId: string, roomId: string): NodeRoom {
    const room = this.rooms.get(roomKey(tenantId, roomId));
    if (!room) throw new CascadeError('NOT_FOUND', `room ${roomId} is not on this node`);
    return room;
  }

  /** The room, created on first use unless the node takes no new rooms. */
  openRoom(tenantId: string, roomId: string): NodeRoom {
    const existing = this.rooms.get(roomKey(tenantId, roomId));
    if (existing) return existing;
    if (this.#state !== 'serving') {
      throw new CascadeError(
        'NODE_UNAVAILABLE',
        `node ${this.nodeId} is ${this.#state} and takes no new rooms`,
        {
          nodeId: this.nodeId,
          state: this.#state,
        },
      );
    }
    const room = new NodeRoom(tenantId, roomId, this);
    this.rooms.set(room.key, room);
    return room;
  }

  /** Least loaded live worker, counting participants; a worker the room already uses wins ties. */
  pickWorker(room: NodeRoom): number {
    const load = new Map<number, number>();
    for (const slot of this.pool.slots) load.set(slot.index, 0);
    if (load.size === 0)
      throw new CascadeError('NODE_UNAVAILABLE', `node ${this.nodeId} has no running worker`);
    for (const r of this.rooms.values()) {
      for (const p of r.participants.values())
        load.set(p.workerIndex, (load.get(p.workerIndex) ?? 0) + 1);
    }
    const used = new Set(room.workerIndexes);
    return [...load.entries()].sort(
      ([ia, la], [ib, lb]) => la - lb || Number(used.has(ib)) - Number(used.has(ia)) || ia - ib,
    )[0]![0];
  }

  roomEmpty(room: NodeRoom): void {
    this.#closeRoom(room);
  }

  /** Key frames asked for again for video consumers that sent nothing (see keyframe-watch.ts). */
  keyFrameRetries = 0;

  keyFrameRequested(): void {
    this.keyFrameRetries++;
  }

  drain(): void {
    if (this.#state === 'draining') return;
    this.#setState('draining');
    if (this.rooms.size === 0) queueMicrotask(() => this.emit('drained'));
  }

  undrain(): void {
    if (this.#state !== 'draining') return;
    this.#setState('serving');
  }

  /** Closes every room (for shutdown). The pool is closed by its owner. */
  closeAllRooms(): void {
    for (const room of [...this.rooms.values()]) this.#closeRoom(room);
  }

  #closeRoom(room: NodeRoom): void {
    room.close();
    if (this.rooms.get(room.key) === room) this.rooms.delete(room.key);
    if (this.#state === 'draining' && this.rooms.size === 0) this.emit('drained');
  }

  #workerDied(index: number): void {
    const lost: Array<{ tenantId: string; roomId: string; participantIds: string[] }> = [];
    for (const room of [...this.rooms.values()]) {
      const participantIds = room.workerLost(index);
      if (participantIds.length > 0)
        lost.push({ tenantId: room.tenantId, roomId: room.roomId, participantIds });
    }
    this.#lostByWorker.set(index, lost);
  }

  /** Reported once the pool knows whether a new worker took the dead one's place. */
  #reportWorkerDeath(index: number, replaced: boolean): void {
    const lost = this.#lostByWorker.get(index) ?? [];
    this.#lostByWorker.delete(index);
    this.nodeSink.publish({
      type: 'worker.died',
      nodeId: this.nodeId,
      at: Date.now(),
      workerIndex: index,
      replaced,
      lost,
    });
  }

  #setState(state: SfuNodeState): void {
    this.#state = state;
    this.emit('state', state);
    this.nodeSink.publish({
      type: 'node.state',
      nodeId: this.nodeId,
      at: Date.now(),
      state,
      rooms: this.rooms.size,
      participants: this.participantCount,
    });
  }

  dump() {
    return {
      nodeId: this.nodeId,
      state: this.#state,
      workers: this.pool.slots.map((s) => ({
        index: s.index,
        pid: s.worker.pid,
        webRtcServerId: s.webRtcServer.id,
      })),
      rooms: [...this.rooms.values()].map((r) => ({
        tenantId: r.tenantId,
        roomId: r.roomId,
        participants: r.participants.size,
        producers: r.producers.size,
        pipes: [...r.pipes.keys()],
      })),
    };
  }
}
