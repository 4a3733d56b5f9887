import { CascadeError, type SfuNodeHeartbeat } from '@cascade/contracts';

import {
  DEFAULT_PLACEMENT,
  EMPTY_ROOM,
  type NodeSnapshot,
  Placement,
  type PlacementDecision,
  type PlacementRequest,
  type RoomFootprint,
} from './placement';

// Every node in these tables has 4 workers and room for 1,000 streams (250 per worker), so a
// load of 0.7 is 700 streams on the node or 175 on one worker.
const MAX_STREAMS = 1_000;
const WORKERS = 4;
const MAX_BITRATE = 1_000_000_000;
const T0 = 1_000_000;

interface NodeSpec {
  id: string;
  region?: string;
  /** Streams per worker (all counted as consumers). */
  streams?: number[];
  /** CPU per worker (fraction of a core); 0 unless given. */
  cpu?: number[];
  /** Outgoing bandwidth as a fraction of the node's capacity. */
  bandwidth?: number;
  placeable?: boolean;
  state?: SfuNodeHeartbeat['state'];
  sentAt?: number;
  /** Capacity (streams and outgoing bitrate) this many times the tables' usual node. */
  scale?: number;
}

/** Spread `total` streams evenly over the workers. */
const even = (total: number): number[] =>
  Array.from(
    { length: WORKERS },
    (_, i) => Math.floor(total / WORKERS) + (i < total % WORKERS ? 1 : 0),
  );

function heartbeat(spec: NodeSpec): SfuNodeHeartbeat {
  const streams = spec.streams ?? even(0);
  const workers = streams.map((s, index) => ({
    index,
    pid: 100 + index,
    cpu: spec.cpu?.[index] ?? 0,
    routers: 0,
    transports: 0,
    producers: 0,
    consumers: s,
    pipeConsumers: 0,
    bitrateInBps: 0,
    bitrateOutBps: ((spec.bandwidth ?? 0) * MAX_BITRATE) / streams.length,
  }));
  const consumers = streams.reduce((a, b) => a + b, 0);
  return {
    nodeId: spec.id,
    region: spec.region ?? 'eu-west',
    state: spec.state ?? 'serving',
    version: 'test',
    addresses: { announcedAddress: `${spec.id}.test`, rtcBasePort: 40_000 },
    capacity: {
      maxStreams: MAX_STREAMS * (spec.scale ?? 1),
      maxBitrateOutBps: MAX_BITRATE * (spec.scale ?? 1),
    },
    workers,
    totals: {
      rooms: 0,
      participants: 0,
      producers: 0,
      consumers,
      pipeConsumers: 0,
      bitrateInBps: 0,
      bitrateOutBps: (spec.bandwidth ?? 0) * MAX_BITRATE,
    },
    sentAt: spec.sentAt ?? T0,
    sequence: 1,
  };
}

function node(spec: NodeSpec): NodeSnapshot {
  return { heartbeat: heartbeat(spec), placeable: spec.placeable ?? spec.state !== 'draining' };
}

/** A room with `participants[nodeId][worker]` participants. */
function room(where: Record<string, Record<number, number>>): RoomFootprint {
  const nodes = new Map<string, Map<number, number>>();
  let participants = 0;
  for (const [nodeId, workers] of Object.entries(where)) {
    const map = new Map<number, number>();
    for (const [w, n] of Object.entries(workers)) {
      map.set(Number(w), n);
      participants += n;
    }
    nodes.set(nodeId, map);
  }
  return { nodes, participants };
}

/**
 * A webinar: `speakers[nodeId][worker]` speakers and `viewers[nodeId][worker]` viewers, as the
 * room's state gives it (`footprint` in rooms/room-state.ts).
 */
function webinar(
  speakers: Record<string, Record<number, number>>,
  viewers: Record<string, Record<number, number>> = {},
): RoomFootprint {
  const spoken = room(speakers);
  const everyone = room(speakers);
  const nodes = everyone.nodes as Map<string, Map<number, number>>;
  let participants = everyone.participants;
  for (const [nodeId, workers] of Object.entries(viewers)) {
    const map = nodes.get(nodeId) ?? new Map<number, number>();
    for (const [w, n] of Object.entries(workers)) {
      map.set(Number(w), (map.get(Number(w)) ?? 0) + n);
      participants += n;
    }
    nodes.set(nodeId, map);
  }
  return { nodes, participants, speakerNodes: spoken.nodes, speakers: spoken.participants };
}

/**
 * The worker cases below are written for a room's worker kept within 0.1 of the least loaded,
 * and the threshold cases with the sticky slack out of the way (it has cases of its own).
 */
const SETTINGS = { ...DEFAULT_PLACEMENT, workerStickinessSlack: 0.1, stickySlack: 1 };

function place(request: PlacementRequest, nodes: NodeSnapshot[], settings = SETTINGS) {
  return new Placement(settings).place(request, nodes, T0);
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('Placement', () => {
  describe('sticky rooms and spill-over at the sticky threshold (0.7)', () => {
    // The room has one participant on node `a`, worker 2; `b` is empty.
    it.each([
      { what: 'well under', aStreams: 400, expected: { nodeId: 'a', reason: 'sticky' } },
      { what: 'just under', aStreams: 699, expected: { nodeId: 'a', reason: 'sticky' } },
      { what: 'exactly at', aStreams: 700, expected: { nodeId: 'b', reason: 'score' } },
      { what: 'over', aStreams: 750, expected: { nodeId: 'b', reason: 'score' } },
    ])('room node $what the threshold ($aStreams/1000 streams)', ({ aStreams, expected }) => {
      const decision = place({ room: room({ a: { 2: 1 } }) }, [
        node({ id: 'a', streams: [aStreams, 0, 0, 0] }),
        node({ id: 'b' }),
      ]);
      expect(decision).toMatchObject(expected);
    });

    it('keeps the room on its worker while that worker is under the threshold', () => {
      // Worker 2 of `a` carries the room (70/250 streams), within the slack of worker 1 (50).
      const decision = place({ room: room({ a: { 2: 3 } }) }, [
        node({ id: 'a', streams: [60, 50, 70, 50] }),
        node({ id: 'b' }),
      ]);
      expect(decision).toEqual({ nodeId: 'a', workerIndex: 2, reason: 'sticky' });
    });

    it.each([
      { what: 'just under', worker2: 174, expectedWorker: 2 },
      { what: 'exactly at', worker2: 175, expectedWorker: 0 },
      { what: 'over', worker2: 240, expectedWorker: 0 },
    ])(
      "uses the room's worker $what the threshold ($worker2/250), else the least loaded",
      ({ worker2, expectedWorker }) => {
        // The other workers at 160/250 (0.64): the room's worker is within the slack of them.
        const decision = place({ room: room({ a: { 2: 3 } }) }, [
          node({ id: 'a', streams: [160, 160, worker2, 160] }),
        ]);
        expect(decision).toMatchObject({ nodeId: 'a', workerIndex: expectedWorker });
      },
    );

    it("prefers the room's busiest node among those under the threshold", () => {
      const decision = place({ room: room({ a: { 0: 1 }, c: { 1: 3 } }) }, [
        node({ id: 'a', streams: even(100) }),
        node({ id: 'b' }),
        node({ id: 'c', streams: even(600) }),
      ]);
      expect(decision).toMatchObject({ nodeId: 'c', workerIndex: 1, reason: 'sticky' });
    });

    it("spills from the room's busiest node to its other node before a new one", () => {
      const decision = place({ room: room({ a: { 0: 1 }, c: { 1: 3 } }) }, [
        node({ id: 'a', streams: even(500) }),
        node({ id: 'b' }),
        node({ id: 'c', streams: even(700) }),
      ]);
      expect(decision).toMatchObject({ nodeId: 'a', reason: 'sticky' });
    });

    it('a new room goes to the lowest score', () => {
      const decision = place({ room: EMPTY_ROOM }, [
        node({ id: 'a', streams: even(500) }),
        node({ id: 'b', streams: even(200) }),
        node({ id: 'c', streams: even(300) }),
      ]);
      expect(decision).toMatchObject({ nodeId: 'b', reason: 'score' });
    });
  });

  describe('sticky slack (0.1): a room keeps its node only while it is not far above the rest', () => {
    // The room has 3 participants on `a`; `b`, the node a newcomer would get otherwise, is at
    // 300/1000 (0.3): `a` is kept up to 0.3 + 0.1, under the sticky threshold (0.7).
    it.each([
      {
        what: 'level with the fallback',
        aStreams: 300,
        expected: { nodeId: 'a', reason: 'sticky' },
      },
      { what: 'within the slack', aStreams: 399, expected: { nodeId: 'a', reason: 'sticky' } },
      { what: 'just over the slack', aStreams: 401, expected: { nodeId: 'b', reason: 'score' } },
      {
        what: 'far over, still under 0.7',
        aStreams: 650,
        expected: { nodeId: 'b', reason: 'score' },
      },
    ])('room node $what ($aStreams/1000)', ({ aStreams, expected }) => {
      const decision = new Placement().place(
        { room: room({ a: { 0: 3 } }) },
        [node({ id: 'a', streams: even(aStreams) }), node({ id: 'b', streams: even(300) })],
        T0,
      );
      expect(decision).toMatchObject(expected);
    });

    it('the sticky threshold still bounds a room node within the slack', () => {
      const nodes = (a: number) => [
        node({ id: 'a', streams: even(a) }),
        node({ id: 'b', streams: even(650) }),
      ];
      const p = new Placement();
      expect(p.place({ room: room({ a: { 0: 3 } }) }, nodes(690), T0).nodeId).toBe('a');
      expect(p.place({ room: room({ a: { 0: 3 } }) }, nodes(700), T0).nodeId).toBe('b');
    });

    it("is measured from the hinted region's best node when the newcomer would go there", () => {
      // eu2 is the least loaded overall (0.1), but a us-east newcomer would go to us1 (0.4):
      // the room's eu1 at 0.45 is within 0.1 of that.
      const decision = new Placement().place(
        { room: room({ eu1: { 0: 3 } }), region: 'us-east' },
        [
          node({ id: 'eu1', region: 'eu-west', streams: even(450) }),
          node({ id: 'eu2', region: 'eu-west', streams: even(100) }),
          node({ id: 'us1', region: 'us-east', streams: even(400) }),
        ],
        T0,
      );
      expect(decision).toMatchObject({ nodeId: 'eu1', reason: 'sticky' });
    });

    it("prefers the room's busiest node among those within the slack", () => {
      const decision = new Placement().place(
        { room: room({ a: { 0: 5 }, c: { 0: 2 }, d: { 0: 1 } }) },
        [
          node({ id: 'a', streams: even(500) }),
          node({ id: 'b', streams: even(300) }),
          node({ id: 'c', streams: even(380) }),
          node({ id: 'd', streams: even(310) }),
        ],
        T0,
      );
      // `a` (5 there) is 0.2 above `b`: the next busiest within the slack is `c` (2 there).
      expect(decision).toMatchObject({ nodeId: 'c', reason: 'sticky' });
    });
  });

  describe('reservations count on every node a join adds streams to', () => {
    it("the room's participants on other nodes receive the newcomer (room within last-N)", () => {
      const p = new Placement();
      const a = node({ id: 'a' });
      const b = node({ id: 'b', streams: even(600) });
      // The room has 4 on `a` and 6 on `b` (over the slack): the newcomer goes to `a`, and the 6
      // on `b` each consume its 2 streams there.
      const decision = p.place({ room: room({ a: { 0: 4 }, b: { 1: 6 } }) }, [a, b], T0);
      expect(decision.nodeId).toBe('a');
      expect(p.nodeLoad(b.heartbeat, T0).streams).toBe(600 + 2 * 6);
      expect(p.nodeLoad(a.heartbeat, T0).streams).toBe(2 * (1 + 10 + 1) + 2 * 4);
    });

    it('a node new to the room gets a pipe of every producer already there', () => {
      const p = new Placement();
      const a = node({ id: 'a', streams: even(600) });
      const b = node({ id: 'b' });
      // 30 on `a` (over last-N: nobody there receives the newcomer), `a` over the slack: the
      // newcomer opens `b`, and each of the 30 producers' 2 streams is piped to it from `a`.
      const decision = p.place({ room: room({ a: { 0: 10, 1: 20 } }) }, [a, b], T0);
      expect(decision.nodeId).toBe('b');
      expect(p.nodeLoad(a.heartbeat, T0).streams).toBe(600 + 2 * 30);
      expect(p.joinStreams(room({ a: { 0: 10, 1: 20 } }), 'a', 'b')).toBe(2 * 30);
      // ...on the workers that carry them.
      const next = p.place({ room: EMPTY_ROOM }, [a], T0 + 1);
      expect(next.workerIndex).toBe(2);
    });
  });

  describe('rooms opened within one heartbeat interval', () => {
    it('start on different nodes, not all on the least loaded one', () => {
      // Nodes 5 streams apart; each room's first join holds 2 + 2·25 streams: the next room
      // opens on the next node. (Counting only the first participant's 2 streams, the least
      // loaded node would take the first three rooms, which then all grow there.)
      const nodes = Array.from({ length: 6 }, (_, i) =>
        node({ id: `n${i}`, streams: even(300 + 5 * i) }),
      );
      const p = new Placement();
      const opened = Array.from(
        { length: 6 },
        (_, i) => p.place({ room: EMPTY_ROOM }, nodes, T0 + i).nodeId,
      );
      expect(opened).toEqual(['n0', 'n1', 'n2', 'n3', 'n4', 'n5']);
    });
  });

  describe('CPU, streams and bandwidth each count against the thresholds', () => {
    // The room is on `a`; `b` is idle. `a`'s load is the largest of its three loads.
    it.each([
      { what: 'streams', a: { streams: even(720) }, expected: 'b' },
      { what: 'cpu', a: { cpu: [0.75, 0.75, 0.75, 0.75] }, expected: 'b' },
      { what: 'cpu on average only', a: { cpu: [0.9, 0.9, 0.3, 0.3] }, expected: 'a' },
      { what: 'bandwidth', a: { bandwidth: 0.72 }, expected: 'b' },
      { what: 'nothing', a: { streams: even(300), cpu: [0.3, 0.3, 0.3, 0.3] }, expected: 'a' },
    ])('$what can push a node over the sticky threshold', ({ a, expected }) => {
      const decision = place({ room: room({ a: { 0: 1 } }) }, [
        node({ id: 'a', ...a }),
        node({ id: 'b' }),
      ]);
      expect(decision.nodeId).toBe(expected);
    });

    it.each([
      { what: 'streams', a: { streams: even(950) } },
      { what: 'cpu', a: { cpu: [0.95, 0.95, 0.95, 0.95] } },
      { what: 'bandwidth', a: { bandwidth: 0.95 } },
    ])('$what can push a node over the overload threshold', ({ a }) => {
      const nodes = [node({ id: 'a', ...a })];
      expect((thrown(() => place({ room: EMPTY_ROOM }, nodes)) as CascadeError).code).toBe(
        'CAPACITY_EXHAUSTED',
      );
    });

    it.each([
      { streams: 899, placed: true },
      { streams: 900, placed: false },
      { streams: 901, placed: false },
    ])('overload threshold 0.9: a node at $streams/1000 placed=$placed', ({ streams, placed }) => {
      const nodes = [node({ id: 'a', streams: even(streams) })];
      if (placed) expect(place({ room: EMPTY_ROOM }, nodes).nodeId).toBe('a');
      else expect(() => place({ room: EMPTY_ROOM }, nodes)).toThrow(CascadeError);
    });

    it('ranks by the weighted score: at equal load, the lighter-weighted resource wins', () => {
      // cpu weighs 0.4 like streams, bandwidth only 0.2: at equal load, bandwidth ranks best.
      const decision = place({ room: EMPTY_ROOM }, [
        node({ id: 'cpu', cpu: [0.5, 0.5, 0.5, 0.5] }),
        node({ id: 'bandwidth', bandwidth: 0.5 }),
        node({ id: 'streams', streams: even(500) }),
      ]);
      expect(decision.nodeId).toBe('bandwidth');
    });
  });

  describe('region hint', () => {
    const eu = (id: string, streams: number) =>
      node({ id, region: 'eu-west', streams: even(streams) });
    const us = (id: string, streams: number, extra: Partial<NodeSpec> = {}) =>
      node({ id, region: 'us-east', streams: even(streams), ...extra });

    it.each<{
      what: string;
      nodes: NodeSnapshot[];
      region?: string;
      expected: Partial<PlacementDecision>;
    }>([
      {
        what: 'honoured when a node in the region has room, even if busier',
        nodes: [eu('eu1', 100), us('us1', 600), us('us2', 500)],
        region: 'us-east',
        expected: { nodeId: 'us2', reason: 'region' },
      },
      {
        what: 'falls back when the region is overloaded',
        nodes: [eu('eu1', 100), eu('eu2', 50), us('us1', 900), us('us2', 950)],
        region: 'us-east',
        expected: { nodeId: 'eu2', reason: 'score' },
      },
      {
        what: "falls back when the region's nodes are not placeable",
        nodes: [eu('eu1', 100), us('us1', 0, { placeable: false })],
        region: 'us-east',
        expected: { nodeId: 'eu1', reason: 'score' },
      },
      {
        what: 'falls back for a region without nodes',
        nodes: [eu('eu1', 100), us('us1', 50)],
        region: 'ap-south',
        expected: { nodeId: 'us1', reason: 'score' },
      },
      {
        what: 'ignored without a hint',
        nodes: [eu('eu1', 100), us('us1', 50)],
        expected: { nodeId: 'us1', reason: 'score' },
      },
    ])('$what', ({ nodes, region, expected }) => {
      expect(place({ room: EMPTY_ROOM, region }, nodes)).toMatchObject(expected);
    });

    it("a sticky room stays on its node whatever the participant's region", () => {
      const decision = place({ room: room({ eu1: { 0: 2 } }), region: 'us-east' }, [
        eu('eu1', 300),
        us('us1', 0),
      ]);
      expect(decision).toMatchObject({ nodeId: 'eu1', reason: 'sticky' });
    });
  });

  describe('nodes that may not take anyone', () => {
    it.each([
      { what: 'draining', spec: { state: 'draining' as const } },
      { what: 'stale or dead (not placeable)', spec: { placeable: false } },
      { what: 'worker-less', spec: { streams: [] } },
    ])('a $what node is never chosen, not even for its own room', ({ spec }) => {
      const p = new Placement();
      const nodes = [node({ id: 'idle', ...spec }), node({ id: 'busy', streams: even(600) })];
      for (const request of [{ room: EMPTY_ROOM }, { room: room({ idle: { 0: 4 } }) }]) {
        for (let i = 0; i < 20; i++) expect(p.place(request, nodes, T0 + i).nodeId).toBe('busy');
      }
    });
  });

  describe('capacity exhausted', () => {
    it.each<{ what: string; nodes: NodeSnapshot[] }>([
      { what: 'no nodes at all', nodes: [] },
      {
        what: 'every node overloaded',
        nodes: [node({ id: 'a', streams: even(900) }), node({ id: 'b', cpu: [1, 1, 1, 1] })],
      },
      {
        what: 'every node draining, dead or overloaded',
        nodes: [
          node({ id: 'a', state: 'draining' }),
          node({ id: 'b', placeable: false }),
          node({ id: 'c', bandwidth: 0.9 }),
        ],
      },
    ])('$what: CAPACITY_EXHAUSTED', ({ nodes }) => {
      const error = thrown(() => place({ room: room({ a: { 0: 5 } }) }, nodes));
      expect(error).toBeInstanceOf(CascadeError);
      expect(error).toMatchObject({ code: 'CAPACITY_EXHAUSTED', details: { roomParticipants: 5 } });
    });

    it('reservations alone can exhaust a node', () => {
      // 880 streams reported; each new-room placement reserves 2 more: 880 + 2·10 = 900. (What
      // a new room's next participant will cost weighs on the node's rank, not on its load.)
      const p = new Placement();
      const nodes = [node({ id: 'a', streams: even(880) })];
      for (let i = 0; i < 10; i++) p.place({ room: EMPTY_ROOM }, nodes, T0 + i);
      expect(() => p.place({ room: EMPTY_ROOM }, nodes, T0 + 10)).toThrow(CascadeError);
    });
  });

  describe('a burst against statistics that do not change', () => {
    const identical = (n: number) =>
      Array.from({ length: n }, (_, i) =>
        node({ id: `n${String(i).padStart(2, '0')}`, streams: even(300) }),
      );

    function burst(
      p: Placement,
      nodes: NodeSnapshot[],
      joins: number,
      request = () => ({ room: EMPTY_ROOM }),
    ) {
      const perNode = new Map<string, number>();
      const perWorker = new Map<string, number>();
      // 100 joins in 100 ms, long before any heartbeat could settle them.
      for (let i = 0; i < joins; i++) {
        const d = p.place(request(), nodes, T0 + i);
        perNode.set(d.nodeId, (perNode.get(d.nodeId) ?? 0) + 1);
        const key = `${d.nodeId}/${d.workerIndex}`;
        perWorker.set(key, (perWorker.get(key) ?? 0) + 1);
      }
      return { perNode, perWorker };
    }

    it('100 joins of new rooms spread over 10 identical nodes and their workers', () => {
      const { perNode, perWorker } = burst(new Placement(), identical(10), 100);
      expect(perNode.size).toBe(10);
      expect(Math.max(...perNode.values())).toBeLessThanOrEqual(Math.ceil(100 / 10) + 1);
      expect(perWorker.size).toBe(40);
      expect(Math.max(...perWorker.values())).toBeLessThanOrEqual(Math.ceil(100 / 40) + 1);
    });

    it('100 joins into rooms of various sizes elsewhere still spread', () => {
      // Each join belongs to a room whose other participants are on a node not offered here:
      // reservations are larger for larger rooms, and the spread holds by streams.
      let i = 0;
      const request = () => ({ room: room({ elsewhere: { 0: 1 + (i++ % 7) } }) });
      const { perNode } = burst(new Placement(), identical(10), 100, request);
      expect(perNode.size).toBe(10);
      expect(Math.max(...perNode.values())).toBeLessThanOrEqual(Math.ceil(100 / 10) + 2);
    });

    it('without reservations the same burst piles onto one node', () => {
      // Reservations that expire at once: every decision sees the same statistics.
      const p = new Placement({ ...DEFAULT_PLACEMENT, reservationMaxAgeMs: 0 });
      const { perNode } = burst(p, identical(10), 100);
      expect([...perNode.values()]).toEqual([100]);
    });

    it('a burst fills the least loaded nodes first, then spreads', () => {
      const nodes = [
        node({ id: 'a', streams: even(100) }),
        node({ id: 'b', streams: even(300) }),
        node({ id: 'c', streams: even(300) }),
      ];
      // Joins into a room of 30 elsewhere: each reserves 2·(1 + 25 + 1) = 54 streams, their share
      // of CPU and 52 outgoing streams of bandwidth (score +0.046): `a` (0.04) takes the first
      // 2 alone, until its score meets the others' (0.12), then all three share the rest.
      const p = new Placement();
      const chosen = Array.from(
        { length: 16 },
        (_, i) => p.place({ room: room({ elsewhere: { 0: 30 } }) }, nodes, T0 + i).nodeId,
      );
      expect(chosen.slice(0, 3)).toEqual(['a', 'a', 'b']);
      const count = (id: string) => chosen.filter((c) => c === id).length;
      expect(count('b')).toBeGreaterThanOrEqual(3);
      expect(Math.abs(count('b') - count('c'))).toBeLessThanOrEqual(1);
      expect(Math.abs(count('a') - 2 - count('b'))).toBeLessThanOrEqual(1);
    });
  });

  describe('reservations', () => {
    const settle = DEFAULT_PLACEMENT.reservationSettleMs;
    const maxAge = DEFAULT_PLACEMENT.reservationMaxAgeMs;

    it('count the streams a placement is expected to add', () => {
      const p = new Placement();
      const a = node({ id: 'a', streams: even(100) });
      p.place({ room: room({ a: { 0: 4 } }) }, [a], T0);
      const load = p.nodeLoad(a.heartbeat, T0);
      // The newcomer publishes 2 and consumes 2 of each of the 4 there; the 4 consume its 2.
      expect(load).toMatchObject({ streams: 118, reservations: 1 });
      expect(load.streamLoad).toBeCloseTo(0.118);
      expect(load.cpu).toBeCloseTo(0.018);
    });

    describe('sized with last-N (25 by default)', () => {
      it.each<{ what: string; where: Record<string, Record<number, number>>; reserved: number }>([
        { what: 'a new room', where: {}, reserved: 2 },
        { what: '4 there, all on the node', where: { a: { 0: 4 } }, reserved: 2 * (1 + 4 + 4) },
        // Its own streams, and a pipe of its producers to the room's other node.
        { what: '4 there, all elsewhere', where: { b: { 0: 4 } }, reserved: 2 * (1 + 4 + 1) },
        { what: '10 there, 3 on the node', where: { a: { 1: 3 }, b: { 0: 7 } }, reserved: 30 },
        { what: '25 there, all on the node', where: { a: { 0: 25 } }, reserved: 2 * 51 },
        // In a room larger than last-N the newcomer sees 25 and replaces someone in others'.
        { what: '26 there, all on the node', where: { a: { 0: 26 } }, reserved: 2 * 26 },
        { what: '200 there', where: { a: { 0: 80 }, b: { 0: 120 } }, reserved: 2 * 27 },
      ])('$what: $reserved streams', ({ where, reserved }) => {
        const p = new Placement();
        const a = node({ id: 'a', streams: even(100) });
        expect(p.joinStreams(room(where), 'a')).toBe(reserved);
        p.place({ room: room(where) }, [a], T0);
        expect(p.nodeLoad(a.heartbeat, T0).streams).toBe(100 + reserved);
      });

      it.each([
        { lastN: 10, participants: 30, reserved: 2 * 11 },
        { lastN: 10, participants: 10, reserved: 2 * 21 },
        { lastN: 50, participants: 30, reserved: 2 * 61 },
      ])('lastN $lastN, $participants there: $reserved', ({ lastN, participants, reserved }) => {
        const p = new Placement({ ...DEFAULT_PLACEMENT, lastN });
        expect(p.joinStreams(room({ a: { 0: participants } }), 'a')).toBe(reserved);
      });

      it("put the room's consumers of the newcomer on their workers", () => {
        // The room's 20 on worker 1 consume the newcomer's 2 streams each: 40 reserved there.
        const p = new Placement();
        const a = node({ id: 'a', streams: [0, 0, 0, 0] });
        const big = room({ a: { 1: 20 } });
        expect(p.place({ room: big }, [a], T0).workerIndex).toBe(1);
        // Worker 1 now holds 2 + 40 + 40 = 82 reserved (0.328): a new room takes worker 0 (and
        // ranks it with its next participant's 2·25 streams there).
        const next = p.place({ room: EMPTY_ROOM }, [a], T0 + 1);
        expect(next.workerIndex).toBe(0);
        // With the 40 of the room's consumers on worker 1, worker 1 is over the others (0.328
        // against 0 on workers 2 and 3): the room's next join goes to the least loaded.
        expect(p.place({ room: room({ a: { 1: 21 } }) }, [a], T0 + 2).workerIndex).toBe(2);
      });
    });

    it.each([
      { what: 'a heartbeat sent before the placement', sentAt: T0 - 500, now: T0 + 1_500, live: 1 },
      {
        what: 'a heartbeat sent just under settleMs after',
        sentAt: T0 + settle - 1,
        now: T0 + settle,
        live: 1,
      },
      { what: 'a heartbeat sent settleMs after', sentAt: T0 + settle, now: T0 + settle, live: 0 },
      { what: 'a later heartbeat', sentAt: T0 + 2 * settle, now: T0 + 2 * settle, live: 0 },
      {
        what: 'no new heartbeat, at reservationMaxAgeMs',
        sentAt: T0 - 500,
        now: T0 + maxAge,
        live: 1,
      },
      {
        what: 'no new heartbeat, after reservationMaxAgeMs',
        sentAt: T0 - 500,
        now: T0 + maxAge + 1,
        live: 0,
      },
    ])('with $what: $live live', ({ sentAt, now, live }) => {
      const p = new Placement();
      p.place({ room: EMPTY_ROOM }, [node({ id: 'a', sentAt: T0 - 500 })], T0);
      expect(p.reservationsOf(heartbeat({ id: 'a', sentAt }), now)).toBe(live);
    });

    it('settle one by one as heartbeats catch up', () => {
      const p = new Placement();
      const stale = node({ id: 'a', sentAt: T0 - 500 });
      for (let i = 0; i < 5; i++) p.place({ room: EMPTY_ROOM }, [stale], T0 + i * 400);
      // Placed at T0, +400, +800, +1200, +1600; a heartbeat sent at T0+2000 covers the first three.
      expect(p.reservationsOf(heartbeat({ id: 'a', sentAt: T0 + 2_000 }), T0 + 2_000)).toBe(2);
      expect(p.reservationsOf(heartbeat({ id: 'a', sentAt: T0 + 2_600 }), T0 + 2_600)).toBe(0);
    });

    it('spread over workers and steer the worker choice', () => {
      const p = new Placement();
      const a = node({ id: 'a', streams: [10, 10, 10, 10] });
      const workers = Array.from(
        { length: 8 },
        (_, i) => p.place({ room: EMPTY_ROOM }, [a], T0 + i).workerIndex,
      );
      expect(workers.sort()).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    });

    it('are per node and forgotten with the node', () => {
      const p = new Placement();
      const a = node({ id: 'a' });
      const b = node({ id: 'b' });
      p.place({ room: EMPTY_ROOM }, [a], T0);
      expect(p.reservationsOf(a.heartbeat, T0)).toBe(1);
      expect(p.reservationsOf(b.heartbeat, T0)).toBe(0);
      p.forget('a');
      expect(p.reservationsOf(a.heartbeat, T0)).toBe(0);
    });
  });

  describe('worker choice', () => {
    it.each([
      { what: 'fewest streams', streams: [50, 20, 30, 40], cpu: [0, 0, 0, 0], expected: 1 },
      { what: 'CPU counts too', streams: [50, 20, 30, 40], cpu: [0, 0.5, 0, 0], expected: 2 },
      { what: 'first of equals', streams: [5, 5, 5, 5], cpu: [0, 0, 0, 0], expected: 0 },
    ])('a new room takes the least loaded worker: $what', ({ streams, cpu, expected }) => {
      expect(place({ room: EMPTY_ROOM }, [node({ id: 'a', streams, cpu })]).workerIndex).toBe(
        expected,
      );
    });

    it("among the room's workers under the threshold, the least loaded", () => {
      const decision = place({ room: room({ a: { 1: 2, 3: 1 } }) }, [
        node({ id: 'a', streams: [80, 120, 200, 90] }),
      ]);
      expect(decision.workerIndex).toBe(3);
    });

    describe('worker stickiness slack (0.1)', () => {
      // The room is on worker 2; worker 0 is the node's least loaded, at 50/250 (0.2).
      it.each([
        { what: 'level with the least loaded', worker2: 50, expected: 2 },
        { what: 'well within the slack', worker2: 60, expected: 2 },
        { what: 'exactly the slack above', worker2: 75, expected: 2 },
        { what: 'just over the slack', worker2: 76, expected: 0 },
        { what: 'far over the slack', worker2: 170, expected: 0 },
      ])("the room's worker $what ($worker2/250): worker $expected", ({ worker2, expected }) => {
        const decision = place({ room: room({ a: { 2: 5 } }) }, [
          node({ id: 'a', streams: [50, 100, worker2, 100] }),
        ]);
        expect(decision).toMatchObject({ nodeId: 'a', workerIndex: expected, reason: 'sticky' });
      });

      it.each([
        { slack: 0, worker2: 51, expected: 0 },
        { slack: 0, worker2: 50, expected: 2 },
        { slack: 0.5, worker2: 170, expected: 2 },
        { slack: 0.5, worker2: 175, expected: 0 },
      ])(
        'slack $slack, room worker at $worker2/250: worker $expected',
        ({ slack, worker2, expected }) => {
          // With a large slack the sticky threshold (175/250) still bounds the room's worker.
          const decision = place(
            { room: room({ a: { 2: 5 } }) },
            [node({ id: 'a', streams: [50, 100, worker2, 100] })],
            { ...DEFAULT_PLACEMENT, workerStickinessSlack: slack },
          );
          expect(decision.workerIndex).toBe(expected);
        },
      );

      it('a room growing on one node spreads over its workers', () => {
        // Statistics that do not move: reservations alone steer 16 joins of one room (512 streams).
        const p = new Placement();
        const a = node({ id: 'a' });
        const where = new Map<number, number>();
        for (let i = 0; i < 16; i++) {
          const footprint = { nodes: new Map([['a', where]]), participants: i };
          const { workerIndex } = p.place({ room: footprint }, [a], T0 + i);
          where.set(workerIndex, (where.get(workerIndex) ?? 0) + 1);
        }
        expect(where.size).toBe(4);
        expect(Math.max(...where.values()) - Math.min(...where.values())).toBeLessThanOrEqual(6);
      });
    });

    it("when every room worker is over the threshold, the node's least loaded worker", () => {
      const decision = place({ room: room({ a: { 1: 2, 3: 1 } }) }, [
        node({ id: 'a', streams: [60, 200, 20, 190] }),
      ]);
      expect(decision).toMatchObject({ nodeId: 'a', workerIndex: 2, reason: 'sticky' });
    });
  });
  describe('webinar viewers (publish nothing, receive up to last-N speakers)', () => {
    // 20 speakers on `a` worker 0, 100 viewers on `a` worker 1.
    const room20 = () => webinar({ a: { 0: 20 } }, { a: { 1: 100 } });

    it('a viewer reserves its consumers only, far less than a speaker joining the same room', () => {
      const p = new Placement();
      // A viewer: 2 streams of each of the 20 speakers, nothing published, nobody consumes it.
      expect(p.joinStreams(room20(), 'a', 'a', 'viewer')).toBe(2 * 20);
      // A speaker: its 2, the 20 speakers' 40, and every one of the 120 consumes its 2.
      expect(p.joinStreams(room20(), 'a', 'a', 'speaker')).toBe(2 * (1 + 20) + 2 * 120);
      const a = node({ id: 'a', streams: even(100) });
      p.place({ room: room20(), role: 'viewer' }, [a], T0);
      expect(p.nodeLoad(a.heartbeat, T0).streams).toBe(100 + 2 * 20);
      p.place({ room: room20() }, [a], T0 + 1);
      expect(p.nodeLoad(a.heartbeat, T0).streams).toBe(100 + 2 * 20 + 2 * 21 + 2 * 120);
    });

    it('receives at most last-N speakers', () => {
      const p = new Placement();
      expect(p.joinStreams(webinar({ a: { 0: 40 } }, { a: { 1: 5 } }), 'a', 'a', 'viewer')).toBe(
        2 * 25,
      );
    });

    it('does not raise what later joins cost, as a speaker does', () => {
      const p = new Placement();
      const viewerAfter = (r: RoomFootprint) => p.joinStreams(r, 'a', 'a', 'viewer');
      // One more viewer: the next viewer still receives the 20 speakers.
      expect(viewerAfter(webinar({ a: { 0: 20 } }, { a: { 1: 101 } }))).toBe(2 * 20);
      // One more speaker: the next viewer receives 21.
      expect(viewerAfter(webinar({ a: { 0: 21 } }, { a: { 1: 100 } }))).toBe(2 * 21);
      // A speaker joining after 100 more viewers gains their consumers of it, not streams of them.
      const speakerAfter = (r: RoomFootprint) => p.joinStreams(r, 'a');
      expect(speakerAfter(webinar({ a: { 0: 20 } }, { a: { 1: 200 } }))).toBe(2 * 21 + 2 * 220);
    });

    it('on a node new to the room: a pipe of each speaker there, none of its viewers', () => {
      const p = new Placement();
      const r = webinar({ a: { 0: 20 } }, { a: { 1: 100 }, b: { 0: 30 } });
      // On `c`: its 40 consumers; `a` pipes the 20 speakers' streams to `c` on their worker.
      expect(p.joinStreams(r, 'c', 'c', 'viewer')).toBe(2 * 20);
      expect(p.joinStreams(r, 'a', 'c', 'viewer')).toBe(2 * 20);
      // `b` holds only viewers: nothing of theirs is piped anywhere.
      expect(p.joinStreams(r, 'b', 'c', 'viewer')).toBe(0);
      const [a, b, c] = ['a', 'b', 'c'].map((id) => node({ id, streams: even(800) }));
      expect(p.place({ room: r, role: 'viewer' }, [c!], T0)).toMatchObject({ nodeId: 'c' });
      expect(p.nodeLoad(a!.heartbeat, T0).streams).toBe(800 + 40);
      expect(p.nodeLoad(b!.heartbeat, T0).streams).toBe(800);
      expect(p.nodeLoad(c!.heartbeat, T0).streams).toBe(800 + 40);
      // ...and the pipes leave from the speakers' worker.
      expect(p.place({ room: EMPTY_ROOM }, [a!], T0 + 1).workerIndex).not.toBe(0);
    });

    it('a 20-speaker webinar spreads its viewers over nodes as each fills, piping only speakers', () => {
      // Statistics that do not move (nodes of 10,000 streams): reservations alone steer the 20
      // speakers and then 400 viewers, the room's state after each join as the orchestrator keeps
      // it. With the threshold alone (slack 1), a node takes viewers up to the sticky threshold
      // (0.7: 7,000 streams), then the next opens.
      const p = new Placement(SETTINGS);
      const nodes = ['a', 'b', 'c'].map((id) => node({ id, scale: 10 }));
      const speakers = new Map<string, Map<number, number>>();
      const everyone = new Map<string, Map<number, number>>();
      const add = (map: Map<string, Map<number, number>>, nodeId: string, worker: number) => {
        const workers = map.get(nodeId) ?? new Map<number, number>();
        workers.set(worker, (workers.get(worker) ?? 0) + 1);
        map.set(nodeId, workers);
      };
      const viewersOn: Record<string, number> = {};
      let joined = 0;
      const join = (role: 'speaker' | 'viewer') => {
        const footprint: RoomFootprint = {
          nodes: everyone,
          participants: joined,
          speakerNodes: speakers,
          speakers: total(speakers),
        };
        const { nodeId, workerIndex } = p.place({ room: footprint, role }, nodes, T0 + joined);
        add(everyone, nodeId, workerIndex);
        if (role === 'speaker') add(speakers, nodeId, workerIndex);
        else viewersOn[nodeId] = (viewersOn[nodeId] ?? 0) + 1;
        joined++;
      };
      for (let i = 0; i < 20; i++) join('speaker');
      expect([...speakers.keys()]).toEqual(['a']);
      for (let i = 0; i < 400; i++) join('viewer');

      // 20 speakers in a full mesh hold 2·20·20 = 800 streams on `a`; each viewer 40 more, until
      // `a` reaches 7,000 (155 viewers); `b` then takes 175 (7,000), `c` the rest.
      expect(viewersOn).toEqual({ a: 155, b: 175, c: 70 });
      const streams = (i: number) => p.nodeLoad(nodes[i]!.heartbeat, T0).streams;
      // Each node the room opened receives each speaker once: 2 pipe consumers per speaker on
      // `a`, for `b` and for `c` (a pipe of every participant would be 2·175 for `b` alone).
      expect(streams(0)).toBe(800 + 155 * 40 + 2 * (2 * 20));
      expect(streams(1)).toBe(175 * 40);
      expect(streams(2)).toBe(70 * 40);
    });
  });
});

function total(map: Map<string, Map<number, number>>): number {
  let sum = 0;
  map.forEach((workers) => workers.forEach((n) => (sum += n)));
  return sum;
}
