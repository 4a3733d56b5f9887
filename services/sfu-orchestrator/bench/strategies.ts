import type { SfuNodeHeartbeat } from '@cascade/contracts';

import {
  DEFAULT_PLACEMENT,
  type NodeSnapshot,
  Placement,
  type PlacementRequest,
  type PlacementSettings,
} from '../src/placement/placement';
import { prng } from './population';

export interface Choice {
  nodeId: string;
  workerIndex: number;
  /** Why (`cascade` only): a room's node, the hinted region's best, or the best overall. */
  reason?: 'sticky' | 'region' | 'score';
}

export interface Strategy {
  readonly name: string;
  readonly description: string;
  /** Whether it reads node statistics (else the simulation need not keep them fresh). */
  readonly usesStats: boolean;
  /** Whether it reads the room's footprint (else the room's nodes need not be offered). */
  readonly usesRoom: boolean;
  place(request: PlacementRequest, nodes: readonly NodeSnapshot[], now: number): Choice;
}

export type StrategyName = 'cascade' | 'least-loaded' | 'round-robin' | 'random';
export const STRATEGIES: StrategyName[] = ['cascade', 'least-loaded', 'round-robin', 'random'];

export function createStrategy(
  name: StrategyName,
  seed: number,
  settings: PlacementSettings = DEFAULT_PLACEMENT,
): Strategy {
  switch (name) {
    case 'cascade': {
      const placement = new Placement(settings);
      return {
        name,
        description:
          'Placement (sticky rooms, overload and region rules, composite score, reservations)',
        usesStats: true,
        usesRoom: true,
        place: (request, nodes, now) => placement.place(request, nodes, now),
      };
    }
    case 'least-loaded':
      return {
        name,
        description:
          'lowest composite score from the last heartbeat: no reservations, no stickiness',
        usesStats: true,
        usesRoom: false,
        place: (_request, nodes) => leastLoaded(nodes, settings),
      };
    case 'round-robin': {
      let next = 0;
      const nextWorker = new Map<string, number>();
      return {
        name,
        description: 'next node in turn, and the next worker in turn on that node',
        usesStats: false,
        usesRoom: false,
        place: (_request, nodes) => {
          const node = nodes[next++ % nodes.length]!.heartbeat;
          const w = nextWorker.get(node.nodeId) ?? 0;
          nextWorker.set(node.nodeId, w + 1);
          return { nodeId: node.nodeId, workerIndex: w % node.workers.length };
        },
      };
    }
    case 'random': {
      const r = prng(seed ^ 0x5eed);
      return {
        name,
        description: 'a node and a worker uniformly at random',
        usesStats: false,
        usesRoom: false,
        place: (_request, nodes) => {
          const node = nodes[Math.floor(r() * nodes.length)]!.heartbeat;
          return { nodeId: node.nodeId, workerIndex: Math.floor(r() * node.workers.length) };
        },
      };
    }
  }
}

/** The naive strategy: the same composite score as Placement, from the heartbeat alone. */
function leastLoaded(nodes: readonly NodeSnapshot[], settings: PlacementSettings): Choice {
  let best: SfuNodeHeartbeat | undefined;
  let bestScore = Infinity;
  for (const node of nodes) {
    if (!node.placeable || node.heartbeat.workers.length === 0) continue;
    const score = scoreOf(node.heartbeat, settings);
    if (score < bestScore) {
      best = node.heartbeat;
      bestScore = score;
    }
  }
  if (!best) throw new Error('no node');
  const perWorker = best.capacity.maxStreams / best.workers.length;
  let worker = 0;
  let workerLoad = Infinity;
  for (const w of best.workers) {
    const load = Math.max(w.cpu, (w.producers + w.consumers + w.pipeConsumers) / perWorker);
    if (load < workerLoad) {
      worker = w.index;
      workerLoad = load;
    }
  }
  return { nodeId: best.nodeId, workerIndex: worker };
}

export function scoreOf(heartbeat: SfuNodeHeartbeat, settings: PlacementSettings): number {
  const { totals, capacity, workers } = heartbeat;
  let cpu = 0;
  for (const w of workers) cpu += w.cpu;
  cpu /= workers.length;
  const streams =
    (totals.producers + totals.consumers + totals.pipeConsumers) / capacity.maxStreams;
  const bandwidth = totals.bitrateOutBps / capacity.maxBitrateOutBps;
  const { weights } = settings;
  return weights.cpu * cpu + weights.streams * streams + weights.bandwidth * bandwidth;
}
