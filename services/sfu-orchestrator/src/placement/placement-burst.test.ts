import { MEDIA_MODEL, type SfuNodeHeartbeat } from '@cascade/contracts';

import { type NodeSnapshot, Placement } from './placement';

/**
 * A burst of joins against statistics that do not move (one heartbeat per node, sent before the
 * burst), checked against the true streams the joins add in the media model: what each node
 * carries once the burst is in, whatever the orchestrator estimated.
 */
const MAX_STREAMS = 1_000;
const WORKERS = 4;
const T0 = 1_000_000;
const { streamsPerParticipant: S, lastN } = MEDIA_MODEL;

/** True streams per worker of small nodes, moved by joins as the media model says. */
class TinyCluster {
  readonly streams: number[][];
  readonly rooms = new Map<
    number,
    { nodes: Map<string, Map<number, number>>; participants: number }
  >();
  readonly snapshots: NodeSnapshot[];

  constructor(baseline: number[]) {
    this.streams = baseline.map((total) => Array.from({ length: WORKERS }, () => total / WORKERS));
    // One heartbeat each, before the burst, never refreshed: every decision sees stale numbers.
    this.snapshots = baseline.map((_, i) => ({ heartbeat: this.#heartbeat(i), placeable: true }));
  }

  room(index: number) {
    let room = this.rooms.get(index);
    if (!room) {
      room = { nodes: new Map(), participants: 0 };
      this.rooms.set(index, room);
    }
    return room;
  }

  /** The newcomer's streams on its worker; consumers of it and pipes where the room already is. */
  join(roomIndex: number, nodeId: string, worker: number): void {
    const room = this.room(roomIndex);
    const n = room.participants;
    const newNode = room.nodes.size > 0 && !room.nodes.has(nodeId);
    const otherNodes = room.nodes.size - (room.nodes.has(nodeId) ? 1 : 0);
    for (const [id, workers] of room.nodes) {
      for (const [w, count] of workers) {
        this.streams[index(id)]![w]! += S * count * ((n <= lastN ? 1 : 0) + (newNode ? 1 : 0));
      }
    }
    this.streams[index(nodeId)]![worker]! += S * (1 + Math.min(n, lastN) + otherNodes);
    const workers = room.nodes.get(nodeId) ?? new Map<number, number>();
    workers.set(worker, (workers.get(worker) ?? 0) + 1);
    room.nodes.set(nodeId, workers);
    room.participants = n + 1;
  }

  nodeStreams(): number[] {
    return this.streams.map((w) => w.reduce((a, b) => a + b, 0));
  }

  #heartbeat(i: number): SfuNodeHeartbeat {
    const workers = this.streams[i]!.map((consumers, index) => ({
      index,
      pid: 100 + index,
      cpu: 0,
      routers: 0,
      transports: 0,
      producers: 0,
      consumers,
      pipeConsumers: 0,
      bitrateInBps: 0,
      bitrateOutBps: 0,
    }));
    return {
      nodeId: id(i),
      region: 'eu-west',
      state: 'serving',
      version: 'test',
      addresses: { announcedAddress: `${id(i)}.test`, rtcBasePort: 40_000 },
      capacity: { maxStreams: MAX_STREAMS, maxBitrateOutBps: 1_000_000_000 },
      workers,
      totals: {
        rooms: 0,
        participants: 0,
        producers: 0,
        consumers: workers.reduce((a, w) => a + w.consumers, 0),
        pipeConsumers: 0,
        bitrateInBps: 0,
        bitrateOutBps: 0,
      },
      sentAt: T0,
      sequence: 1,
    };
  }
}

const id = (i: number) => `n${String(i).padStart(2, '0')}`;
const index = (nodeId: string) => Number(nodeId.slice(1));
const maxOverMean = (values: number[]) =>
  Math.max(...values) / (values.reduce((a, b) => a + b, 0) / values.length);

/**
 * 20 nodes reporting 300 to 490 streams of 1,000; `rooms` new rooms of `size` people open and
 * fill at once, their joins interleaved, all before any heartbeat.
 */
function burstOfNewRooms(rooms: number, size: number) {
  const cluster = new TinyCluster(Array.from({ length: 20 }, (_, i) => 300 + 10 * i));
  const placement = new Placement();
  let t = T0;
  for (let k = 0; k < size; k++) {
    for (let r = 0; r < rooms; r++) {
      const decision = placement.place({ room: cluster.room(r) }, cluster.snapshots, ++t);
      cluster.join(r, decision.nodeId, decision.workerIndex);
    }
  }
  return { cluster, nodes: cluster.nodeStreams(), workers: cluster.streams.flat() };
}

describe('Placement under a burst against stale statistics', () => {
  it('rooms opened and filled within one heartbeat interval keep nodes level', () => {
    // 12 rooms of 8 add 12 · 8 · 16 = 1,536 streams: the mean goes from 395 to about 472.
    // (Opening every room on the least loaded node and growing them there up to the sticky
    // threshold puts one node near 930, twice the mean.)
    const { nodes, workers } = burstOfNewRooms(12, 8);
    expect(Math.max(...nodes)).toBeLessThanOrEqual(600);
    expect(maxOverMean(nodes)).toBeLessThanOrEqual(1.2);
    expect(maxOverMean(workers)).toBeLessThanOrEqual(1.3);
  });

  it("what a join adds on the room's other nodes keeps every node under the overload threshold", () => {
    // 3 rooms of 30: once a room spans nodes, each join adds consumers and pipes on the others.
    // (Reserving only on the chosen node, the true streams of one node pass 1,700 of 1,000.)
    const { nodes, cluster } = burstOfNewRooms(3, 30);
    for (const room of cluster.rooms.values()) expect(room.participants).toBe(30);
    expect(Math.max(...nodes)).toBeLessThan(0.9 * MAX_STREAMS);
  });
});
