import type { ParticipantPlacement, RoomProducerView, RoomView } from '@cascade/contracts';

import type { RoomFootprint } from '../placement/placement';

/** The two ends of a room's pipe pair, in a stable order. */
export interface PipePair {
  a: string;
  b: string;
}

/** A producer piped from its node to another, and who on that node consumes it. */
export interface PipedProducer {
  producerId: string;
  from: string;
  to: string;
  /** Participants on `to` that prepared to consume it. */
  consumers: string[];
  /** When the last consumer went; the copy is closed after the linger. */
  idleSince?: number;
}

/**
 * Everything the orchestrator knows about one room, stored as one document (Redis) and changed
 * only by the replica that leads the room, one operation at a time.
 */
export interface RoomState {
  tenantId: string;
  roomId: string;
  participants: Record<string, ParticipantPlacement>;
  producers: Record<string, RoomProducerView>;
  pipes: Record<string, PipePair>;
  piped: Record<string, PipedProducer>;
}

export function emptyRoom(tenantId: string, roomId: string): RoomState {
  return { tenantId, roomId, participants: {}, producers: {}, pipes: {}, piped: {} };
}

export function pipeKey(x: string, y: string): string {
  return x < y ? `${x}~${y}` : `${y}~${x}`;
}

export function pipePair(x: string, y: string): PipePair {
  return x < y ? { a: x, b: y } : { a: y, b: x };
}

export function pipedKey(producerId: string, to: string): string {
  return `${producerId}>${to}`;
}

/** Nodes the room uses: where participants are, and either end of a pipe. */
export function roomNodes(state: RoomState): Set<string> {
  const nodes = new Set<string>();
  for (const p of Object.values(state.participants)) nodes.add(p.nodeId);
  for (const { a, b } of Object.values(state.pipes)) nodes.add(a).add(b);
  return nodes;
}

export function participantsOn(state: RoomState, nodeId: string): ParticipantPlacement[] {
  return Object.values(state.participants).filter((p) => p.nodeId === nodeId);
}

/**
 * Where the room is, for placement: everyone per node and worker, and its speakers apart (a
 * viewer publishes nothing: nobody consumes it, nothing of it is piped). A placement without a
 * role was stored before roles existed: a speaker, the larger cost.
 */
export function footprint(state: RoomState): RoomFootprint {
  const nodes = new Map<string, Map<number, number>>();
  const speakerNodes = new Map<string, Map<number, number>>();
  let participants = 0;
  let speakers = 0;
  for (const p of Object.values(state.participants)) {
    participants++;
    count(nodes, p.nodeId, p.workerIndex);
    if (p.role === 'viewer') continue;
    speakers++;
    count(speakerNodes, p.nodeId, p.workerIndex);
  }
  return { nodes, participants, speakerNodes, speakers };
}

function count(nodes: Map<string, Map<number, number>>, nodeId: string, workerIndex: number) {
  const workers = nodes.get(nodeId) ?? new Map<number, number>();
  workers.set(workerIndex, (workers.get(workerIndex) ?? 0) + 1);
  nodes.set(nodeId, workers);
}

export function isEmpty(state: RoomState): boolean {
  return Object.keys(state.participants).length === 0 && Object.keys(state.pipes).length === 0;
}

export function roomView(state: RoomState): RoomView {
  return {
    tenantId: state.tenantId,
    roomId: state.roomId,
    participants: Object.values(state.participants),
    producers: Object.values(state.producers),
    pipes: Object.values(state.pipes).map(({ a, b }) => ({
      nodes: [a, b] as [string, string],
      producers: Object.values(state.piped)
        .filter((p) => pipeKey(p.from, p.to) === pipeKey(a, b))
        .map((p) => ({
          producerId: p.producerId,
          from: p.from,
          to: p.to,
          consumers: p.consumers.length,
        })),
    })),
  };
}
