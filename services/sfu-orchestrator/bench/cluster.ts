import type { SfuNodeHeartbeat, SfuWorkerLoad } from '@cascade/contracts';

import type { NodeSnapshot, RoomFootprint } from '../src/placement/placement';
import {
  BITRATE_PER_STREAM_BPS,
  hash01,
  LAST_N,
  REGIONS,
  STREAMS_PER_PARTICIPANT as S,
  type World,
} from './population';

/** Worker CPU at its stream capacity (a fraction of a core), and the noise around it (±). */
export const CPU_AT_CAPACITY = 0.85;
export const CPU_NOISE = 0.02;

/**
 * Where a room's participants are: nodeId → worker → participants, and its speakers apart (a
 * RoomFootprint, as the orchestrator's room state gives it).
 */
interface RoomState extends RoomFootprint {
  nodes: Map<string, Map<number, number>>;
  participants: number;
  speakerNodes: Map<string, Map<number, number>>;
  speakers: number;
  /** Pipe consumers the room put on its nodes (to check that each node gets each speaker once). */
  pipeConsumers: number;
}

/**
 * The true state of the simulated cluster under one strategy, in the participant model (the
 * product's `MEDIA_MODEL`: S = 2 streams per participant, last-N LAST_N = 25):
 *   - every speaker publishes S streams (audio, video) on its worker; a viewer (a webinar's
 *     audience) publishes nothing;
 *   - every participant consumes S streams of each of up to LAST_N speakers of its room (a
 *     speaker not itself), on its worker (last-N / adaptive subscription): among s speakers, a
 *     speaker has S·min(s − 1, LAST_N) consumers, a viewer S·min(s, LAST_N). A speaker newcomer
 *     is received by everyone who sees fewer than LAST_N speakers (one more consumer each, where
 *     they are); in a room of more speakers it takes someone's place in the last-N of those who
 *     see it: their consumer counts do not change (so which of them see it does not matter);
 *   - every speaker's producers are piped once to every other node of its room: S pipe consumers
 *     per speaker per other node, on the speaker's worker (an upper bound: with last-N only the
 *     producers someone on the other node receives need a pipe). Nothing of a viewer's is piped.
 * (Pipes between two workers of one node are not counted: the same for every strategy.)
 * Heartbeats are synthesized from this state when the simulation says a node sends one.
 */
export class Cluster {
  readonly workers: number;
  readonly producers: Float64Array;
  readonly consumers: Float64Array;
  readonly pipeConsumers: Float64Array;
  readonly participantsOfWorker: Int32Array;
  readonly routersOfWorker: Int32Array;
  readonly roomsOfNode: Int32Array;
  readonly participantsOfNode: Int32Array;
  /** Nodes whose state changed since their last heartbeat (flags, and the list of them). */
  readonly dirty: Uint8Array;
  dirtyList: number[] = [];
  readonly rooms: (RoomState | undefined)[] = [];
  /** What the orchestrator sees: the last heartbeat of every node. */
  readonly snapshots: NodeSnapshot[];
  readonly #index = new Map<string, number>();
  readonly #sequence: Int32Array;

  constructor(readonly world: World) {
    const n = world.nodeIds.length;
    this.workers = world.settings.workersPerNode;
    const slots = n * this.workers;
    this.producers = new Float64Array(slots);
    this.consumers = new Float64Array(slots);
    this.pipeConsumers = new Float64Array(slots);
    this.participantsOfWorker = new Int32Array(slots);
    this.routersOfWorker = new Int32Array(slots);
    this.roomsOfNode = new Int32Array(n);
    this.participantsOfNode = new Int32Array(n);
    this.dirty = new Uint8Array(n);
    this.#sequence = new Int32Array(n);
    world.nodeIds.forEach((id, i) => this.#index.set(id, i));
    this.snapshots = world.nodeIds.map((_, i) => ({
      heartbeat: this.heartbeat(i, 1),
      placeable: true,
    }));
  }

  indexOf(nodeId: string): number {
    return this.#index.get(nodeId)!;
  }

  room(index: number): RoomState {
    let room = this.rooms[index];
    if (!room) {
      room = {
        nodes: new Map(),
        participants: 0,
        speakerNodes: new Map(),
        speakers: 0,
        pipeConsumers: 0,
      };
      this.rooms[index] = room;
    }
    return room;
  }

  /**
   * A participant (a speaker, or a viewer when `viewer`) joins `roomIndex` on a node and worker:
   * update every stream count it moves.
   */
  join(roomIndex: number, node: number, worker: number, viewer = false): void {
    const room = this.room(roomIndex);
    const W = this.workers;
    const slot = node * W + worker;
    const nodeId = this.world.nodeIds[node]!;
    const speakers = room.speakers;
    const otherNodes = room.nodes.size - (room.nodes.has(nodeId) ? 1 : 0);
    const newNode = room.nodes.size > 0 && !room.nodes.has(nodeId);
    // Those already there receive a speaker newcomer while they see fewer than LAST_N speakers:
    // a speaker sees the others, a viewer all of them.
    const bySpeakers = !viewer && speakers <= LAST_N;
    const byViewers = !viewer && speakers < LAST_N;
    if (bySpeakers || byViewers || newNode) {
      for (const [id, workers] of room.nodes) {
        const a = this.#index.get(id)!;
        const speakersThere = room.speakerNodes.get(id);
        for (const [w, count] of workers) {
          const s = speakersThere?.get(w) ?? 0;
          // Those already in the room consume the newcomer's S streams (up to LAST_N each)...
          const received = (bySpeakers ? s : 0) + (byViewers ? count - s : 0);
          if (received) {
            this.consumers[a * W + w]! += S * received;
            this.#touch(a);
          }
          // ...and a node new to the room gets a pipe of every speaker's producers already there.
          if (newNode && s) {
            this.pipeConsumers[a * W + w]! += S * s;
            room.pipeConsumers += S * s;
            this.#touch(a);
          }
        }
      }
    }
    this.consumers[slot]! += S * Math.min(speakers, LAST_N);
    if (!viewer) {
      this.producers[slot]! += S;
      this.pipeConsumers[slot]! += S * otherNodes;
      room.pipeConsumers += S * otherNodes;
    }
    this.participantsOfWorker[slot]!++;
    this.participantsOfNode[node]!++;
    this.#touch(node);

    let workers = room.nodes.get(nodeId);
    if (!workers) {
      workers = new Map();
      room.nodes.set(nodeId, workers);
      this.roomsOfNode[node]!++;
    }
    const before = workers.get(worker) ?? 0;
    if (before === 0) this.routersOfWorker[slot]!++;
    workers.set(worker, before + 1);
    room.participants++;
    if (viewer) return;
    let spoken = room.speakerNodes.get(nodeId);
    if (!spoken) {
      spoken = new Map();
      room.speakerNodes.set(nodeId, spoken);
    }
    spoken.set(worker, (spoken.get(worker) ?? 0) + 1);
    room.speakers++;
  }

  #touch(node: number): void {
    if (this.dirty[node]) return;
    this.dirty[node] = 1;
    this.dirtyList.push(node);
  }

  /** Heartbeats from every node whose state changed since its last one; returns them. */
  refreshDirty(sentAt: number): number[] {
    const list = this.dirtyList;
    this.dirtyList = [];
    for (const i of list) this.refresh(i, sentAt);
    return list;
  }

  streamsOfWorker(slot: number): number {
    return this.producers[slot]! + this.consumers[slot]! + this.pipeConsumers[slot]!;
  }

  /** Send a heartbeat of node `i` now: what the orchestrator will see until the next one. */
  refresh(i: number, sentAt: number): void {
    this.snapshots[i]!.heartbeat = this.heartbeat(i, sentAt);
    this.dirty[i] = 0;
  }

  refreshAll(sentAt: number): void {
    for (let i = 0; i < this.snapshots.length; i++) this.refresh(i, sentAt);
    this.dirtyList = [];
  }

  heartbeat(i: number, sentAt: number): SfuNodeHeartbeat {
    const W = this.workers;
    const perWorker = this.world.maxStreams / W;
    const sequence = ++this.#sequence[i]!;
    const workers: SfuWorkerLoad[] = [];
    let producers = 0;
    let consumers = 0;
    let pipeConsumers = 0;
    let bitrateOutBps = 0;
    let bitrateInBps = 0;
    for (let w = 0; w < W; w++) {
      const slot = i * W + w;
      const p = this.producers[slot]!;
      const c = this.consumers[slot]!;
      const pc = this.pipeConsumers[slot]!;
      const out = (c + pc) * BITRATE_PER_STREAM_BPS;
      const inbound = p * BITRATE_PER_STREAM_BPS;
      // CPU follows the streams (CPU_AT_CAPACITY at the worker's stream capacity), ±CPU_NOISE.
      const noise = (hash01(i, sequence, w) - 0.5) * 2 * CPU_NOISE;
      workers.push({
        index: w,
        pid: 1_000 + slot,
        cpu: Math.max(0, (CPU_AT_CAPACITY * (p + c + pc)) / perWorker + noise),
        routers: this.routersOfWorker[slot]!,
        transports: 2 * this.participantsOfWorker[slot]!,
        producers: p,
        consumers: c,
        pipeConsumers: pc,
        bitrateInBps: inbound,
        bitrateOutBps: out,
      });
      producers += p;
      consumers += c;
      pipeConsumers += pc;
      bitrateOutBps += out;
      bitrateInBps += inbound;
    }
    return {
      nodeId: this.world.nodeIds[i]!,
      region: REGIONS[this.world.nodeRegions[i]!]!,
      state: 'serving',
      version: 'bench',
      addresses: { announcedAddress: `${this.world.nodeIds[i]}.sim`, rtcBasePort: 40_000 },
      capacity: {
        maxStreams: this.world.maxStreams,
        maxBitrateOutBps: this.world.maxBitrateOutBps,
      },
      workers,
      totals: {
        rooms: this.roomsOfNode[i]!,
        participants: this.participantsOfNode[i]!,
        producers,
        consumers,
        pipeConsumers,
        bitrateInBps,
        bitrateOutBps,
      },
      sentAt,
      sequence,
    };
  }

  /** Streams of every worker (a copy). */
  workerStreams(): Float64Array {
    const all = new Float64Array(this.producers.length);
    for (let s = 0; s < all.length; s++) all[s] = this.streamsOfWorker(s);
    return all;
  }
}
