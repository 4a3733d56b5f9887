import { CascadeError, type ParticipantRole, type SfuNodeHeartbeat } from '@cascade/contracts';

import { DEFAULT_PLACEMENT, type PlacementSettings } from './placement-config';

/**
 * Where a participant's media goes: a node and a worker on it. Pure and synchronous, so that
 * the decision is fast (it runs for every join) and tests drive it directly with tables.
 *
 * The rules, in order:
 *   1. only nodes that are serving, recently heard from and not overloaded are candidates;
 *   2. the fallback: the candidate with the lowest composite score (CPU, streams against
 *      capacity, outgoing bandwidth), among the hinted region's nodes when any of them can take
 *      it;
 *   3. sticky rooms: a node the room already uses wins over the fallback while its load is under
 *      the sticky threshold and at most `stickySlack` above the fallback's (the room's busiest
 *      such node first, so a room stays on as few nodes as it can without filling one node far
 *      above the others);
 *   4. nothing fits: `CAPACITY_EXHAUSTED`.
 * On the chosen node, the least loaded worker, or a worker the room already uses while it is under
 * the sticky threshold and at most `workerStickinessSlack` above the least loaded one.
 * Placements made since a node's last heartbeat count against every node they add streams to
 * (reservations, in the media model of `MEDIA_MODEL`: see `joinStreams`), at once: a burst of
 * joins against statistics that have not moved yet spreads out instead of piling onto one node.
 */

export { DEFAULT_PLACEMENT, type PlacementSettings };

/** What placement needs of a node: its last heartbeat and whether it may take participants. */
export interface NodeSnapshot {
  heartbeat: SfuNodeHeartbeat;
  /** Serving, fresh and not draining (the registry decides). */
  placeable: boolean;
}

/** Where the room already is: participants per node and worker, and which of them speak. */
export interface RoomFootprint {
  /** nodeId → workerIndex → participants of the room there (speakers and viewers). */
  nodes: ReadonlyMap<string, ReadonlyMap<number, number>>;
  participants: number;
  /**
   * Of those, the speakers (who publish), in the same shape; a viewer publishes nothing, so only
   * speakers are consumed and piped. Absent: every participant is a speaker (a room without
   * viewers, and never an underestimate).
   */
  speakerNodes?: ReadonlyMap<string, ReadonlyMap<number, number>>;
  speakers?: number;
}

export const EMPTY_ROOM: RoomFootprint = { nodes: new Map(), participants: 0 };

export interface PlacementRequest {
  room: RoomFootprint;
  region?: string;
  /** The newcomer's role: a `viewer` publishes nothing (default `speaker`). */
  role?: ParticipantRole;
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
  /** Of `streams`, those that send (consumers and pipe consumers): outgoing bandwidth. */
  out: number;
  /**
   * A room opened here: what its next participant costs at most. Counts in the node's score (so
   * rooms opened within one heartbeat interval start on different nodes), not against the
   * thresholds nor in the choice of a worker: it is a guess, not streams anyone added yet.
   */
  opening: number;
  /** 1 for the newcomer's own streams, 0 for what the room's others gain (same decision). */
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
  /** The room's nodes under the sticky threshold in the current decision (reused). */
  readonly #roomNodes: NodeSnapshot[] = [];
  readonly #roomNodeLoads: number[] = [];

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
    const { overloadThreshold, stickyThreshold, stickySlack } = this.settings;
    const roomNodes = request.room.nodes;
    const hasRoom = roomNodes.size > 0;
    const region = request.region;
    const load = this.#load;
    const inRoom = this.#roomNodes;
    const inRoomLoads = this.#roomNodeLoads;
    inRoom.length = 0;
    inRoomLoads.length = 0;
    let best: NodeSnapshot | undefined;
    let bestScore = Infinity;
    let bestLoad = Infinity;
    let bestInRegion: NodeSnapshot | undefined;
    let bestInRegionScore = Infinity;
    let bestInRegionLoad = Infinity;

    for (const node of nodes) {
      const heartbeat = node.heartbeat;
      if (!node.placeable || heartbeat.workers.length === 0) continue;
      this.#measure(heartbeat, now);
      if (load.load >= overloadThreshold) continue;
      if (hasRoom && load.load < stickyThreshold && roomNodes.has(heartbeat.nodeId)) {
        inRoom.push(node);
        inRoomLoads.push(load.load);
      }
      const score = load.score;
      if (score < bestScore) {
        best = node;
        bestScore = score;
        bestLoad = load.load;
      }
      if (region !== undefined && heartbeat.region === region && score < bestInRegionScore) {
        bestInRegion = node;
        bestInRegionScore = score;
        bestInRegionLoad = load.load;
      }
    }

    const fallback = bestInRegion ?? best;
    if (!fallback) {
      throw new CascadeError('CAPACITY_EXHAUSTED', 'no SFU node can take another participant', {
        roomParticipants: request.room.participants,
      });
    }
    // The room's busiest node (most participants) that is not far above the fallback.
    const stickyCap = (bestInRegion ? bestInRegionLoad : bestLoad) + stickySlack;
    let sticky: NodeSnapshot | undefined;
    let stickyParticipants = 0;
    for (let i = 0; i < inRoom.length; i++) {
      if (inRoomLoads[i]! > stickyCap) continue;
      const node = inRoom[i]!;
      const participants = total(roomNodes.get(node.heartbeat.nodeId));
      if (
        !sticky ||
        participants > stickyParticipants ||
        (participants === stickyParticipants && node.heartbeat.nodeId < sticky.heartbeat.nodeId)
      ) {
        sticky = node;
        stickyParticipants = participants;
      }
    }
    inRoom.length = 0;
    const chosen = sticky ?? fallback;
    const reason = sticky ? 'sticky' : bestInRegion ? 'region' : 'score';
    const nodeId = chosen.heartbeat.nodeId;
    const workerIndex = this.#pickWorker(chosen.heartbeat, request.room, now);
    this.#reserve(nodeId, workerIndex, request.room, request.role === 'viewer', now);
    return { nodeId, workerIndex, reason };
  }

  /**
   * Streams a join into `room` adds on `nodeId`, in the media model (`MEDIA_MODEL`: last-N,
   * streams per participant). Only speakers publish: every participant receives up to `lastN`
   * speakers (a speaker not itself), and a speaker's producers are piped once to each other node
   * of the room.
   *
   * A speaker newcomer, placed there: its producers, its consumers of up to `lastN` speakers and
   * a pipe of its producers to each other node of the room; whether placed there or elsewhere, a
   * consumer of it for each participant there that receives fewer than `lastN` speakers (in a
   * room of more speakers, the newcomer takes someone's place in the others' last-N: no more
   * streams), and, when the newcomer opens a node new to the room, a pipe of each speaker's
   * producers there to it.
   * A viewer newcomer, placed there: its consumers of up to `lastN` speakers, nothing else
   * (nobody consumes it, nothing of it is piped); elsewhere, only when it opens a node new to the
   * room: a pipe of each speaker's producers there to it.
   * `placedOn` is the newcomer's node (default `nodeId`).
   */
  joinStreams(
    room: RoomFootprint,
    nodeId: string,
    placedOn = nodeId,
    role: ParticipantRole = 'speaker',
  ): number {
    const viewer = role === 'viewer';
    const own = nodeId === placedOn ? this.#ownStreams(room, placedOn, viewer) : 0;
    const speakers = total(speakerMap(room).get(nodeId));
    const viewers = total(room.nodes.get(nodeId)) - speakers;
    return own + this.#gain(room, placedOn, viewer, speakers, viewers);
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

  /**
   * The newcomer's own streams on its node: consumers of up to `lastN` speakers and, for a
   * speaker, its producers and a pipe of them to each other node of the room.
   */
  #ownStreams(room: RoomFootprint, placedOn: string, viewer: boolean): number {
    const { streamsPerParticipant, lastN } = this.settings;
    const received = Math.min(speakersOf(room), lastN);
    if (viewer) return streamsPerParticipant * received;
    const otherNodes = room.nodes.size - (room.nodes.has(placedOn) ? 1 : 0);
    return streamsPerParticipant * (1 + received + otherNodes);
  }

  /**
   * What `speakers` and `viewers` of the room, on one worker or node, gain from the join: a
   * consumer of a speaker newcomer for each of them that receives fewer than `lastN` speakers,
   * and a pipe of each speaker's producers to the newcomer's node when that node is new to the
   * room.
   */
  #gain(
    room: RoomFootprint,
    placedOn: string,
    viewer: boolean,
    speakers: number,
    viewers: number,
  ): number {
    const { streamsPerParticipant, lastN } = this.settings;
    const newNode = room.nodes.size > 0 && !room.nodes.has(placedOn) ? 1 : 0;
    if (viewer) return streamsPerParticipant * newNode * speakers;
    // A speaker receives the others of the room's speakers; a viewer all of them.
    const roomSpeakers = speakersOf(room);
    const bySpeakers = roomSpeakers <= lastN ? 1 : 0;
    const byViewers = roomSpeakers < lastN ? 1 : 0;
    return streamsPerParticipant * (speakers * (bySpeakers + newNode) + viewers * byViewers);
  }

  /** A node's load into `this.#load` (overwritten by the next call). */
  #measure(heartbeat: SfuNodeHeartbeat, now: number): void {
    const reserved = this.#live(heartbeat, now);
    let reservedStreams = 0;
    let reservedOut = 0;
    let opening = 0;
    let joins = 0;
    for (let i = 0; i < reserved.length; i++) {
      const r = reserved[i]!;
      reservedStreams += r.streams;
      reservedOut += r.out;
      opening += r.opening;
      joins += r.joins;
    }
    const { totals, capacity, workers } = heartbeat;
    const streams = totals.producers + totals.consumers + totals.pipeConsumers + reservedStreams;
    const streamLoad = streams / capacity.maxStreams;
    // CPU rises with streams: reservations add their share of it before the node reports it.
    let cpuSum = 0;
    for (let i = 0; i < workers.length; i++) cpuSum += workers[i]!.cpu;
    const measuredCpu = workers.length ? cpuSum / workers.length : 0;
    const cpu = measuredCpu + reservedStreams / capacity.maxStreams;
    const { weights, bitratePerStreamBps } = this.settings;
    const bandwidthLoad =
      (totals.bitrateOutBps + reservedOut * bitratePerStreamBps) / capacity.maxBitrateOutBps;
    const load = this.#load;
    load.cpu = cpu;
    load.streams = streams;
    load.streamLoad = streamLoad;
    load.bandwidthLoad = bandwidthLoad;
    load.load = Math.max(cpu, streamLoad, bandwidthLoad);
    // Rooms opened since the heartbeat weigh on the ranking as the streams (and CPU) they will
    // bring, but not on the thresholds above.
    const openingLoad = opening / capacity.maxStreams;
    load.score =
      weights.cpu * (cpu + openingLoad) +
      weights.streams * (streamLoad + openingLoad) +
      weights.bandwidth * bandwidthLoad;
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
   * Reserve what the join adds (`joinStreams`), on every node it adds to, at once: the newcomer's
   * own streams on its worker, and what the room's participants gain (consumers of a speaker
   * newcomer, pipes to a new node) on their workers, wherever they are.
   */
  #reserve(
    nodeId: string,
    workerIndex: number,
    room: RoomFootprint,
    viewer: boolean,
    now: number,
  ): void {
    const { streamsPerParticipant, lastN } = this.settings;
    const own = this.#ownStreams(room, nodeId, viewer);
    // A room's first join: the room will grow here (sticky) before a heartbeat shows it, and
    // its first participant's streams alone would leave the node first in line for the next
    // room: what its next participant costs at most (a participant at last-N) weighs on the
    // node's rank, so that rooms opened within one heartbeat interval start on different nodes.
    const opening = room.participants === 0 ? streamsPerParticipant * lastN : 0;
    this.#listOf(nodeId).push({
      at: now,
      workerIndex,
      streams: own,
      // Everything but its producers sends: consumers and pipe consumers.
      out: viewer ? own : own - streamsPerParticipant,
      opening,
      joins: 1,
    });
    // Nobody gains anything from a viewer on a node the room already uses, nor from a speaker
    // there once the room's speakers exceed everyone's last-N.
    const newNode = room.nodes.size > 0 && !room.nodes.has(nodeId);
    if (!newNode && (viewer || speakersOf(room) > lastN)) return;
    const speakerNodes = speakerMap(room);
    room.nodes.forEach((workers, id) => {
      const list = this.#listOf(id);
      const speakersThere = speakerNodes.get(id);
      workers.forEach((count, index) => {
        if (count <= 0) return;
        const speakers = speakersThere?.get(index) ?? 0;
        const gain = this.#gain(room, nodeId, viewer, speakers, count - speakers);
        if (gain > 0)
          list.push({
            at: now,
            workerIndex: index,
            streams: gain,
            out: gain,
            opening: 0,
            joins: 0,
          });
      });
    });
  }

  #listOf(nodeId: string): Reservation[] {
    let list = this.#reservations.get(nodeId);
    if (!list) {
      list = [];
      this.#reservations.set(nodeId, list);
    }
    return list;
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

/** The room's speakers: every participant unless the footprint says which speak. */
function speakersOf(room: RoomFootprint): number {
  return room.speakers ?? room.participants;
}

/** Where the room's speakers are (nodeId → workerIndex → speakers). */
function speakerMap(room: RoomFootprint): ReadonlyMap<string, ReadonlyMap<number, number>> {
  return room.speakerNodes ?? room.nodes;
}

/** Participants of a room on one node (the sum over its workers). */
function total(workers: ReadonlyMap<number, number> | undefined): number {
  if (!workers) return 0;
  let sum = 0;
  workers.forEach((v) => (sum += v));
  return sum;
}
