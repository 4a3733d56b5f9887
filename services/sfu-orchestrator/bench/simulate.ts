import { CascadeError } from '@cascade/contracts';

import {
  DEFAULT_PLACEMENT,
  type NodeSnapshot,
  Placement,
  type PlacementRequest,
  type PlacementSettings,
} from '../src/placement/placement';
import { Cluster } from './cluster';
import { NodeHeap } from './heap';
import { REGIONS, STREAMS_PER_PARTICIPANT as S, type World } from './population';
import { createStrategy, scoreOf, type StrategyName } from './strategies';

/** Simulated time at which the pre-burst population starts joining (ms since the epoch). */
const T_START = 1_800_000_000_000;
/** The least-loaded nodes (and of the hinted region) offered during the pre-burst population. */
export const HEAP_SLOTS = 7;
/** One pre-burst decision in this many is checked against a decision over all nodes. */
export const CHECK_EVERY = 97;

export interface StrategyResult {
  strategy: StrategyName;
  description: string;
  decisions: number;
  rejected: number;
  latencyUs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** max/mean of worker load (streams) over all workers. */
  balance: {
    preBurst: number;
    endOfBurst: number;
    /** max/mean over workers of what the burst added (streams). */
    burstAdditions: number;
    /** The same at node level (end of burst). */
    nodesEndOfBurst: number;
  };
  /** Busiest worker and node at the end of the burst, as a fraction of their capacity. */
  maxWorkerLoad: number;
  maxNodeLoad: number;
  meanLoad: number;
  /** Workers above 90 % / 100 % of their stream capacity at the end. */
  workersOver90: number;
  workersOver100: number;
  /** Burst joins on the node that got the most of them; nodes that got any. */
  burstJoinsOnBusiestNode: number;
  nodesReceivingBurstJoins: number;
  pipes: {
    rooms: number;
    /** Share of rooms whose participants are on more than one node. */
    multiNodeShare: number;
    /** Mean node pairs (pipe pairs) per room that spans more than one node. */
    pairsPerMultiNodeRoom: number;
    /** Mean node pairs over all rooms. */
    pairsPerRoom: number;
    /** Mean nodes per room of 100 or more people at the end. */
    nodesPerLargeRoom: number;
    pipeConsumerShare: number;
  };
  /** The webinars at the end of the burst, each from the true state (see `webinarFigures`). */
  webinars: WebinarFigures[];
  /** Burst decisions by reason (strategies that give one): sticky, region, score. */
  burstReasons: Record<string, number>;
  /** Pre-burst decisions made from candidate subsets that differed from a decision over all nodes. */
  prePopulationChecks: { checked: number; mismatched: number };
  simulationSeconds: number;
}

export function simulate(
  world: World,
  name: StrategyName,
  settings: PlacementSettings = DEFAULT_PLACEMENT,
  /** Looks at the true state before and after the burst (investigations). */
  inspect?: (phase: 'pre-burst' | 'end', cluster: Cluster) => void,
): StrategyResult {
  const started = process.hrtime.bigint();
  const cluster = new Cluster(world);
  const strategy = createStrategy(name, world.settings.seed, settings);
  const N = world.nodeIds.length;

  // ---- Pre-burst population, statistics fresh ----
  // Each decision sees a heartbeat, sent after the previous decision, of every node that changed.
  // Stat-reading strategies get the room's nodes and the least-loaded nodes (overall and in the
  // hinted region) from heaps kept on the same score: with fresh statistics and no pending
  // reservations, the decision is the one a scan of all 1,000 nodes would make (checked below).
  const step = Math.max(1, settings.reservationSettleMs);
  const global = new NodeHeap(N);
  const regional = REGIONS.map(() => new NodeHeap(N));
  const stamp = new Int32Array(N).fill(-1);
  const rekey = (i: number) => {
    const score = scoreOf(cluster.snapshots[i]!.heartbeat, settings);
    global.set(i, score);
    regional[world.nodeRegions[i]!]!.set(i, score);
  };
  if (strategy.usesStats) for (let i = 0; i < N; i++) rekey(i);
  const checks = { checked: 0, mismatched: 0 };
  const pre = world.prePopulation;
  const candidates: NodeSnapshot[] = [];
  for (let j = 0; j < pre.room.length; j++) {
    const now = T_START + j * step;
    const roomIndex = pre.room[j]!;
    const viewer = pre.viewer[j] === 1;
    const request: PlacementRequest = {
      room: cluster.room(roomIndex),
      region: REGIONS[pre.region[j]!],
      ...(viewer ? { role: 'viewer' as const } : {}),
    };
    let nodes: readonly NodeSnapshot[] = cluster.snapshots;
    if (strategy.usesStats) {
      for (const i of cluster.refreshDirty(now)) rekey(i);
      candidates.length = 0;
      const add = (i: number | undefined) => {
        if (i === undefined || stamp[i] === j) return;
        stamp[i] = j;
        candidates.push(cluster.snapshots[i]!);
      };
      if (strategy.usesRoom) for (const id of request.room.nodes.keys()) add(cluster.indexOf(id));
      const heap = regional[pre.region[j]!]!;
      for (let s = 0; s < HEAP_SLOTS; s++) {
        add(global.at(s));
        add(heap.at(s));
      }
      nodes = candidates;
    }
    const choice = strategy.place(request, nodes, now);
    if (strategy.usesStats && j % CHECK_EVERY === 0) {
      checks.checked++;
      const reference =
        name === 'cascade'
          ? new Placement(settings).place(request, cluster.snapshots, now)
          : createStrategy(name, 0, settings).place(request, cluster.snapshots, now);
      if (reference.nodeId !== choice.nodeId) {
        const score = (id: string) =>
          scoreOf(cluster.snapshots[cluster.indexOf(id)]!.heartbeat, settings);
        if (Math.abs(score(reference.nodeId) - score(choice.nodeId)) > 1e-12) checks.mismatched++;
      }
    }
    cluster.join(roomIndex, cluster.indexOf(choice.nodeId), choice.workerIndex, viewer);
  }
  const preBurst = cluster.workerStreams();
  inspect?.('pre-burst', cluster);

  // ---- The burst: heartbeats every heartbeatMs from every node, decisions in between ----
  const { heartbeatMs } = world.settings;
  const burstStart = T_START + pre.room.length * step + 10_000;
  cluster.refreshAll(burstStart);
  let nextBeat = burstStart + heartbeatMs;
  const burst = world.burst;
  const latencies = new Float64Array(burst.room.length);
  const joinsPerNode = new Int32Array(N);
  const burstReasons: Record<string, number> = {};
  let rejected = 0;
  let decisions = 0;
  for (let j = 0; j < burst.room.length; j++) {
    const now = burstStart + Math.floor(burst.atMs[j]!);
    while (now >= nextBeat) {
      cluster.refreshAll(nextBeat);
      nextBeat += heartbeatMs;
    }
    const roomIndex = burst.room[j]!;
    const viewer = burst.viewer[j] === 1;
    const request: PlacementRequest = {
      room: cluster.room(roomIndex),
      region: REGIONS[burst.region[j]!],
      ...(viewer ? { role: 'viewer' as const } : {}),
    };
    const t0 = process.hrtime.bigint();
    let choice;
    try {
      choice = strategy.place(request, cluster.snapshots, now);
    } catch (error) {
      if (!(error instanceof CascadeError) || error.code !== 'CAPACITY_EXHAUSTED') throw error;
    }
    latencies[decisions++] = Number(process.hrtime.bigint() - t0) / 1_000;
    if (!choice) {
      rejected++;
      continue;
    }
    if (choice.reason) burstReasons[choice.reason] = (burstReasons[choice.reason] ?? 0) + 1;
    const node = cluster.indexOf(choice.nodeId);
    joinsPerNode[node]!++;
    cluster.join(roomIndex, node, choice.workerIndex, viewer);
  }

  inspect?.('end', cluster);

  // ---- Figures ----
  const end = cluster.workerStreams();
  const W = cluster.workers;
  const perWorkerCapacity = world.maxStreams / W;
  const added = end.map((v, s) => v - preBurst[s]!);
  const nodeStreams = new Float64Array(N);
  for (let s = 0; s < end.length; s++) nodeStreams[Math.floor(s / W)]! += end[s]!;
  let pipeConsumers = 0;
  let allStreams = 0;
  for (let s = 0; s < end.length; s++) {
    pipeConsumers += cluster.pipeConsumers[s]!;
    allStreams += end[s]!;
  }
  let rooms = 0;
  let multi = 0;
  let pairs = 0;
  let large = 0;
  let largeNodes = 0;
  for (const room of cluster.rooms) {
    if (!room || room.participants === 0) continue;
    rooms++;
    const k = room.nodes.size;
    if (k > 1) multi++;
    pairs += (k * (k - 1)) / 2;
    // Webinars apart (their own figures below): rooms of 100 speakers or more.
    if (room.speakers >= 100) {
      large++;
      largeNodes += k;
    }
  }
  const sorted = latencies.slice(0, decisions).sort();
  const quantile = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return {
    strategy: name,
    description: strategy.description,
    decisions,
    rejected,
    latencyUs: {
      p50: quantile(0.5),
      p90: quantile(0.9),
      p99: quantile(0.99),
      max: sorted[sorted.length - 1]!,
      mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
    },
    balance: {
      preBurst: maxOverMean(preBurst),
      endOfBurst: maxOverMean(end),
      burstAdditions: maxOverMean(added),
      nodesEndOfBurst: maxOverMean(nodeStreams),
    },
    maxWorkerLoad: max(end) / perWorkerCapacity,
    maxNodeLoad: max(nodeStreams) / world.maxStreams,
    meanLoad: mean(end) / perWorkerCapacity,
    workersOver90: end.filter((v) => v > 0.9 * perWorkerCapacity).length,
    workersOver100: end.filter((v) => v > perWorkerCapacity).length,
    burstJoinsOnBusiestNode: max(joinsPerNode),
    nodesReceivingBurstJoins: joinsPerNode.filter((v) => v > 0).length,
    pipes: {
      rooms,
      multiNodeShare: multi / rooms,
      pairsPerMultiNodeRoom: multi ? pairs / multi : 0,
      pairsPerRoom: pairs / rooms,
      nodesPerLargeRoom: large ? largeNodes / large : 0,
      pipeConsumerShare: pipeConsumers / allStreams,
    },
    webinars: world.webinarRooms.map((i) => webinarFigures(cluster, i, nodeStreams)),
    burstReasons,
    prePopulationChecks: checks,
    simulationSeconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
}

/** One webinar at the end of the run, from the cluster's true state. */
export interface WebinarFigures {
  speakers: number;
  viewers: number;
  /** Nodes holding any of it, and those holding its speakers. */
  nodes: number;
  speakerNodes: number;
  /** Viewers on the node holding the most of them, and the fewest (among nodes holding any). */
  viewersPerNode: { max: number; min: number };
  /** Pipe consumers the webinar put on its nodes, and S·speakers·(nodes − 1): each once. */
  pipeConsumers: number;
  pipeConsumersEachSpeakerOnce: number;
  /** Busiest of its nodes, and busiest of its speakers' nodes (streams / capacity). */
  maxNodeLoad: number;
  maxSpeakerNodeLoad: number;
}

function webinarFigures(
  cluster: Cluster,
  roomIndex: number,
  nodeStreams: Float64Array,
): WebinarFigures {
  const room = cluster.room(roomIndex);
  const capacity = cluster.world.maxStreams;
  let maxViewers = 0;
  let minViewers = Infinity;
  let maxNodeLoad = 0;
  let maxSpeakerNodeLoad = 0;
  for (const [id, workers] of room.nodes) {
    let everyone = 0;
    workers.forEach((n) => (everyone += n));
    let speakers = 0;
    room.speakerNodes.get(id)?.forEach((n) => (speakers += n));
    const viewers = everyone - speakers;
    if (viewers > 0) {
      maxViewers = Math.max(maxViewers, viewers);
      minViewers = Math.min(minViewers, viewers);
    }
    const load = nodeStreams[cluster.indexOf(id)]! / capacity;
    maxNodeLoad = Math.max(maxNodeLoad, load);
    if (speakers > 0) maxSpeakerNodeLoad = Math.max(maxSpeakerNodeLoad, load);
  }
  return {
    speakers: room.speakers,
    viewers: room.participants - room.speakers,
    nodes: room.nodes.size,
    speakerNodes: room.speakerNodes.size,
    viewersPerNode: { max: maxViewers, min: minViewers === Infinity ? 0 : minViewers },
    pipeConsumers: room.pipeConsumers,
    pipeConsumersEachSpeakerOnce: S * room.speakers * Math.max(0, room.nodes.size - 1),
    maxNodeLoad,
    maxSpeakerNodeLoad,
  };
}

function max(values: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i]! > m) m = values[i]!;
  return m;
}

function mean(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i]!;
  return total / values.length;
}

function maxOverMean(values: ArrayLike<number>): number {
  return max(values) / mean(values);
}
