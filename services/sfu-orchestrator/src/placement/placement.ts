import { CascadeError, type SfuNodeHeartbeat } from '@cascade/contracts';

/**
 * Where a participant's media goes: a node and a worker on it. Pure and synchronous, so that
 * the decision is fast (it runs for every join) and tests drive it directly with tables.
 *
 * The rules, in order:
 *   1. only nodes that are serving, recently heard from and not overloaded are candidates;
 *   2. sticky rooms: a node the room already uses wins while its load is under the sticky
 *      threshold (the room's busiest node first, so a room stays on as few nodes as it can);
 *   3. otherwise the candidate with the lowest composite score (CPU, streams against capacity,
 *      outgoing bandwidth), among the hinted region's nodes when any of them can take it;
 *   4. nothing fits: `CAPACITY_EXHAUSTED`.
 * On the chosen node, the least loaded worker, or a worker the room already uses while it is under
 * the sticky threshold and at most `workerStickinessSlack` above the least loaded one.
 * Placements made since a node's last heartbeat count against it (reservations, sized to what the
 * join adds there with last-N: see `joinStreams`): a burst of joins against statistics that have
 * not moved yet spreads out instead of piling onto one node.
 */

export interface PlacementSettings {
  /** A room keeps using a node while the node's load is under this (0..1). */
  stickyThreshold: number;
  /** Nodes at or over this load (0..1) take nobody. */
  overloadThreshold: number;
  weights: { cpu: number; streams: number; bandwidth: number };
  /** Streams one participant publishes, and one receiver consumes of it (audio + video). */
  streamsPerParticipant: number;
  /**
   * Most other participants one participant receives (last-N, adaptive subscription): in a room
   * larger than this, a newcomer consumes `lastN` participants and takes the place of someone in
   * the others' last-N instead of adding to it.
   */
  lastN: number;
  /**
   * Within a node, a worker the room already uses is preferred (no pipe between workers) only
   * while its load is at most this much above the node's least loaded worker (0..1).
   */
  workerStickinessSlack: number;
  /** A reservation stops counting once a heartbeat sent this long after it arrives. */
  reservationSettleMs: number;
  /** ...and in any case after this long. */
  reservationMaxAgeMs: number;
}

export const DEFAULT_PLACEMENT: PlacementSettings = {
  stickyThreshold: 0.7,
  overloadThreshold: 0.9,
  weights: { cpu: 0.4, streams: 0.4, bandwidth: 0.2 },
  streamsPerParticipant: 2,
  lastN: 25,
  workerStickinessSlack: 0,
  reservationSettleMs: 1_000,
  reservationMaxAgeMs: 10_000,
};

/** What placement needs of a node: its last heartbeat and whether it may take participants. */
export interface NodeSnapshot {
  heartbeat: SfuNodeHeartbeat;
  /** Serving, fresh and not draining (the registry decides). */
  placeable: boolean;
}

/** Where the room already is: participants per node and worker. */
export interface RoomFootprint {
  /** nodeId → workerIndex → participants of the room there. */
  nodes: ReadonlyMap<string, ReadonlyMap<number, number>>;
  participants: number;
}

export const EMPTY_ROOM: RoomFootprint = { nodes: new Map(), participants: 0 };

export interface PlacementRequest {
  room: RoomFootprint;
  region?: string;
}

export interface PlacementDecision {
  nodeId: string;
  workerIndex: number;
  /** Why: `sticky` (a node the room uses), `region`, or `score`. */
  reason: 'sticky' | 'region' | 'score';
}

interface Reservation {
  at: number;
  workerIndex: number;
  streams: number;
  /** 1 for the newcomer's own streams, 0 for the room's consumers of it (same decision). */
  joins: number;
}

/** A node's load as placement sees it, reservations included. */
export interface NodeLoad {
  cpu: number;
  streams: number;
  streamLoad: number;
  bandwidthLoad: number;
  /** The largest of the three: what thresholds compare against. */
  load: number;
  /** The weighted sum: what ranks candidates. */
  score: number;
  reservations: number;
}

export class Placement {
  readonly settings: PlacementSettings;
  readonly #reservations = new Map<string, Reservation[]>();
  /** Written by #measure for every node of every decision: no object per node. */
  readonly #load: NodeLoad = {
    cpu: 0,
    streams: 0,
    streamLoad: 0,
    bandwidthLoad: 0,
    load: 0,
    score: 0,
    reservations: 0,
  };
  /** Reserved streams per worker of the chosen node (grown to the largest worker count seen). */
  #workerReserved = new Float64Array(16);

  /** Settings left out take their `DEFAULT_PLACEMENT` value. */
  constructor(settings: Partial<PlacementSettings> = DEFAULT_PLACEMENT) {
    this.settings = { ...DEFAULT_PLACEMENT, ...settings };
  }

  place(
    request: PlacementRequest,
    nodes: Iterable<NodeSnapshot>,
    now = Date.now(),
  ): PlacementDecision {
    // Runs over every node for every join: locals only, no allocation per node.
    const { overloadThreshold, stickyThreshold } = this.settings;
    const roomNodes = request.room.nodes;
    const hasRoom = roomNodes.size > 0;
    const region = request.region;
    const load = this.#load;
    let sticky: NodeSnapshot | undefined;
    let stickyParticipants = 0;
    let best: NodeSnapshot | undefined;
    let bestScore = Infinity;
    let bestInRegion: NodeSnapshot | undefined;
    let bestInRegionScore = Infinity;

    for (const node of nodes) {
      const heartbeat = node.heartbeat;
      if (!node.placeable || heartbeat.workers.length === 0) continue;
      this.#measure(heartbeat, now);
      if (load.load >= overloadThreshold) continue;
      if (hasRoom && load.load < stickyThreshold) {
        const inRoom = roomNodes.get(heartbeat.nodeId);
        if (inRoom) {
          const participants = total(inRoom);
          if (
            !sticky ||
            participants > stickyParticipants ||
            (participants === stickyParticipants && heartbeat.nodeId < sticky.heartbeat.nodeId)
          ) {
            sticky = node;
            stickyParticipants = participants;
          }
        }
      }
      const score = load.score;
      if (score < bestScore) {
        best = node;
        bestScore = score;
      }
      if (region !== undefined && heartbeat.region === region && score < bestInRegionScore) {
        bestInRegion = node;
        bestInRegionScore = score;
      }
    }

    const chosen = sticky ?? bestInRegion ?? best;
    if (!chosen) {
      throw new CascadeError('CAPACITY_EXHAUSTED', 'no SFU node can take another participant', {
        roomParticipants: request.room.participants,
      });
    }
    const reason = sticky ? 'sticky' : bestInRegion ? 'region' : 'score';
    const nodeId = chosen.heartbeat.nodeId;
    const workerIndex = this.#pickWorker(chosen.heartbeat, request.room, now);
    this.#reserve(nodeId, workerIndex, request.room, now);
    return { nodeId, workerIndex, reason };
  }

  /**
   * Streams a join into `room` adds on `nodeId`, the node it is placed on: the newcomer's
   * producers and its consumers of up to `lastN` others, and, while the room is not larger than
   * `lastN`, one consumer of the newcomer for each of the room's participants on that node (in a
   * larger room the newcomer takes someone's place in their last-N: no more streams). What the
   * room's other nodes gain (their participants' consumers, pipes) is left to their heartbeats.
   */
  joinStreams(room: RoomFootprint, nodeId: string): number {
    const { streamsPerParticipant, lastN } = this.settings;
    const n = room.participants;
    const here = n <= lastN ? total(room.nodes.get(nodeId)) : 0;
    return streamsPerParticipant * (1 + Math.min(n, lastN) + here);
  }

  /** Load of a node from its heartbeat plus the placements made since. */
  nodeLoad(heartbeat: SfuNodeHeartbeat, now = Date.now()): NodeLoad {
    this.#measure(heartbeat, now);
    return { ...this.#load };
  }

  /** Placements whose reservations still count for a node (pruning the rest). */
  reservationsOf(heartbeat: SfuNodeHeartbeat, now = Date.now()): number {
    const live = this.#live(heartbeat, now);
    let joins = 0;
    for (let i = 0; i < live.length; i++) joins += live[i]!.joins;
    return joins;
  }

  /** Forget a node (it died or left). */
  forget(nodeId: string): void {
    this.#reservations.delete(nodeId);
  }

  /** A node's load into `this.#load` (overwritten by the next call). */
  #measure(heartbeat: SfuNodeHeartbeat, now: number): void {
    const reserved = this.#live(heartbeat, now);
    let reservedStreams = 0;
    let joins = 0;
    for (let i = 0; i < reserved.length; i++) {
      reservedStreams += reserved[i]!.streams;
      joins += reserved[i]!.joins;
    }
    const { totals, capacity, workers } = heartbeat;
    const streams = totals.producers + totals.consumers + totals.pipeConsumers + reservedStreams;
    const streamLoad = streams / capacity.maxStreams;
    // CPU rises with streams: reservations add their share of it before the node reports it.
    let cpuSum = 0;
    for (let i = 0; i < workers.length; i++) cpuSum += workers[i]!.cpu;
    const measuredCpu = workers.length ? cpuSum / workers.length : 0;
    const cpu = measuredCpu + reservedStreams / capacity.maxStreams;
    const bandwidthLoad = totals.bitrateOutBps / capacity.maxBitrateOutBps;
    const { weights } = this.settings;
    const load = this.#load;
    load.cpu = cpu;
    load.streams = streams;
    load.streamLoad = streamLoad;
    load.bandwidthLoad = bandwidthLoad;
    load.load = Math.max(cpu, streamLoad, bandwidthLoad);
    load.score =
      weights.cpu * cpu + weights.streams * streamLoad + weights.bandwidth * bandwidthLoad;
    load.reservations = joins;
  }

  /**
   * The node's least loaded worker, unless a worker the room already uses is under the sticky
   * threshold and at most `workerStickinessSlack` above it: then that one (the least loaded of
   * the room's), so that the room's participants there share one router without a pipe between
   * workers, but a growing room does not pile onto one core while its siblings idle.
   */
  #pickWorker(heartbeat: SfuNodeHeartbeat, room: RoomFootprint, now: number): number {
    const workers = heartbeat.workers;
    const perWorkerCapacity = heartbeat.capacity.maxStreams / workers.length;
    let maxIndex = 0;
    for (let i = 0; i < workers.length; i++) maxIndex = Math.max(maxIndex, workers[i]!.index);
    if (this.#workerReserved.length <= maxIndex)
      this.#workerReserved = new Float64Array(2 * (maxIndex + 1));
    const reserved = this.#workerReserved;
    reserved.fill(0, 0, maxIndex + 1);
    const live = this.#live(heartbeat, now);
    for (let i = 0; i < live.length; i++) {
      const r = live[i]!;
      if (r.workerIndex <= maxIndex) reserved[r.workerIndex]! += r.streams;
    }
    const roomWorkers = room.nodes.get(heartbeat.nodeId);
    const { stickyThreshold, workerStickinessSlack } = this.settings;
    let sticky = -1;
    let stickyLoad = Infinity;
    let best = -1;
    let bestLoad = Infinity;
    for (let i = 0; i < workers.length; i++) {
      const w = workers[i]!;
      const streams = w.producers + w.consumers + w.pipeConsumers + reserved[w.index]!;
      const load = Math.max(w.cpu, streams / perWorkerCapacity);
      if (
        roomWorkers !== undefined &&
        (roomWorkers.get(w.index) ?? 0) > 0 &&
        load < stickyThreshold &&
        load < stickyLoad
      ) {
        sticky = w.index;
        stickyLoad = load;
      }
      if (load < bestLoad) {
        best = w.index;
        bestLoad = load;
      }
    }
    return sticky >= 0 && stickyLoad <= bestLoad + workerStickinessSlack ? sticky : best;
  }

  /**
   * Reserve `joinStreams` on the node: the newcomer's own streams on its worker, and the room's
   * participants' consumers of it on their workers (once per decision, not per node).
   */
  #reserve(nodeId: string, workerIndex: number, room: RoomFootprint, now: number): void {
    const { streamsPerParticipant, lastN } = this.settings;
    let list = this.#reservations.get(nodeId);
    if (!list) {
      list = [];
      this.#reservations.set(nodeId, list);
    }
    const n = room.participants;
    const own = streamsPerParticipant * (1 + Math.min(n, lastN));
    list.push({ at: now, workerIndex, streams: own, joins: 1 });
    const here = n <= lastN ? room.nodes.get(nodeId) : undefined;
    here?.forEach((count, index) => {
      if (count > 0)
        list.push({
          at: now,
          workerIndex: index,
          streams: streamsPerParticipant * count,
          joins: 0,
        });
    });
  }

  #live(heartbeat: SfuNodeHeartbeat, now: number): readonly Reservation[] {
    const list = this.#reservations.get(heartbeat.nodeId);
    if (!list || list.length === 0) return NONE;
    const { reservationSettleMs, reservationMaxAgeMs } = this.settings;
    // A heartbeat sent well after a placement already counts what that placement added.
    const settledBefore = heartbeat.sentAt - reservationSettleMs;
    const expiredBefore = now - reservationMaxAgeMs;
    let keep = 0;
    while (
      keep < list.length &&
      (list[keep]!.at <= settledBefore || list[keep]!.at < expiredBefore)
    )
      keep++;
    if (keep > 0) list.splice(0, keep);
    return list;
  }
}

/** Shared by every node without reservations (never mutated: #reserve pushes to its own list). */
const NONE: readonly Reservation[] = [];

/** Participants of a room on one node (the sum over its workers). */
function total(workers: ReadonlyMap<number, number> | undefined): number {
  if (!workers) return 0;
  let sum = 0;
  workers.forEach((v) => (sum += v));
  return sum;
}
