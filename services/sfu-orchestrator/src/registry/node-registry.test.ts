import type { SfuNodeHeartbeat } from '@cascade/contracts';

import { Placement } from '../placement/placement';
import { NodeRegistry } from './node-registry';

const STALE_MS = 5_000;
const DEAD_MS = 15_000;
const T0 = 1_700_000_000_000;

interface Beat {
  state?: SfuNodeHeartbeat['state'];
  sequence?: number;
  cpu?: number;
  consumers?: number;
}

function heartbeat(nodeId: string, sentAt: number, beat: Beat = {}): SfuNodeHeartbeat {
  const consumers = beat.consumers ?? 0;
  return {
    nodeId,
    region: 'eu-west',
    state: beat.state ?? 'serving',
    version: 'test',
    addresses: { announcedAddress: `${nodeId}.test`, rtcBasePort: 40_000 },
    capacity: { maxStreams: 1_000, maxBitrateOutBps: 100_000_000 },
    workers: [
      {
        index: 0,
        pid: 100,
        cpu: beat.cpu ?? 0,
        routers: 1,
        transports: 2,
        producers: 0,
        consumers,
        pipeConsumers: 0,
        bitrateInBps: 0,
        bitrateOutBps: 25_000_000,
      },
    ],
    totals: {
      rooms: 3,
      participants: 7,
      producers: 0,
      consumers,
      pipeConsumers: 0,
      bitrateInBps: 0,
      bitrateOutBps: 25_000_000,
    },
    sentAt,
    sequence: beat.sequence ?? 1,
  };
}

/** A registry on a fake clock, with every `lost` announcement recorded. */
function registry() {
  let now = T0;
  const r = new NodeRegistry({ staleAfterMs: STALE_MS, deadAfterMs: DEAD_MS }, () => now);
  const sequences = new Map<string, number>();
  const lost: Array<[string, string]> = [];
  r.on('lost', (nodeId, why) => lost.push([nodeId, why]));
  const returned: Array<[string, number]> = [];
  r.on('returned', (nodeId, absentMs) => returned.push([nodeId, absentMs]));
  return {
    registry: r,
    lost,
    returned,
    get now() {
      return now;
    },
    advance(ms: number) {
      now += ms;
    },
    /** The node's next heartbeat (its sequence goes up unless given). */
    beat(nodeId: string, beat: Beat = {}) {
      const sequence = beat.sequence ?? (sequences.get(nodeId) ?? 0) + 1;
      sequences.set(nodeId, sequence);
      r.observe(heartbeat(nodeId, now, { ...beat, sequence }));
    },
    placeable(nodeId: string): boolean | undefined {
      return [...r.snapshots()].find((s) => s.heartbeat.nodeId === nodeId)?.placeable;
    },
  };
}

describe('NodeRegistry', () => {
  describe('a node declared lost that is heard again', () => {
    it.each([
      [
        'silent past the dead timeout',
        (t: ReturnType<typeof registry>) => {
          t.advance(DEAD_MS + 1);
          t.registry.sweep();
        },
      ],
      [
        'found unreachable',
        (t: ReturnType<typeof registry>) => t.registry.declareLost('n1', 'unreachable'),
      ],
    ])('is registered again and announced as returned, once: %s', (_how, loseIt) => {
      const t = registry();
      t.beat('n1');
      loseIt(t);
      expect(t.registry.has('n1')).toBe(false);
      t.advance(4_000);

      t.beat('n1'); // its process lived on: the sequence goes on
      t.beat('n1');

      expect(t.returned).toEqual([['n1', 4_000]]);
      expect(t.registry.has('n1')).toBe(true);
      expect(t.placeable('n1')).toBe(true);
    });

    it('is not announced for a node never lost, nor for one heard for the first time', () => {
      const t = registry();
      t.beat('n1');
      t.advance(DEAD_MS);
      t.beat('n1');
      t.beat('n2');
      expect(t.returned).toEqual([]);
    });
  });

  describe('stale and dead nodes', () => {
    it.each([
      { silentFor: 0, state: 'serving', placeable: true },
      { silentFor: STALE_MS, state: 'serving', placeable: true },
      { silentFor: STALE_MS + 1, state: 'stale', placeable: false },
      { silentFor: DEAD_MS, state: 'stale', placeable: false },
    ])(
      'a node silent for $silentFor ms is $state (placeable: $placeable) and still registered',
      ({ silentFor, state, placeable }) => {
        const t = registry();
        t.beat('n1');

        t.advance(silentFor);

        expect(t.registry.sweep()).toEqual([]);
        expect(t.registry.has('n1')).toBe(true);
        expect(t.registry.state('n1')).toBe(state);
        expect(t.placeable('n1')).toBe(placeable);
        expect(t.lost).toEqual([]);
      },
    );

    it('drops a node silent for longer than the dead timeout and announces it once', () => {
      const t = registry();
      t.beat('n1');
      t.beat('n2');
      t.advance(DEAD_MS - 1_000);
      t.beat('n2');

      t.advance(1_001);
      expect(t.registry.sweep()).toEqual(['n1']);
      expect(t.registry.sweep()).toEqual([]);

      expect(t.lost).toEqual([['n1', 'silent']]);
      expect(t.registry.has('n1')).toBe(false);
      expect(t.registry.state('n1')).toBeUndefined();
      expect(t.registry.heartbeat('n1')).toBeUndefined();
      expect([...t.registry.snapshots()].map((s) => s.heartbeat.nodeId)).toEqual(['n2']);
      expect(t.registry.size).toBe(1);
    });

    it('a heartbeat brings a stale node back to serving', () => {
      const t = registry();
      t.beat('n1');
      t.advance(STALE_MS + 1);
      expect(t.registry.state('n1')).toBe('stale');

      t.beat('n1');

      expect(t.registry.state('n1')).toBe('serving');
      expect(t.placeable('n1')).toBe(true);
    });

    it('a stale node reports stale even while it says it is draining', () => {
      const t = registry();
      t.beat('n1', { state: 'draining' });

      t.advance(STALE_MS + 1);

      expect(t.registry.state('n1')).toBe('stale');
    });
  });

  describe("this replica's own NATS outage (issue 18: the NATS cut drill)", () => {
    it('declares nobody dead while its connection is down, however long the outage', () => {
      const t = registry();
      t.beat('n1');
      t.registry.connectionDown();

      for (let i = 0; i < 3 * DEAD_MS; i += 1_000) {
        t.advance(1_000);
        expect(t.registry.sweep()).toEqual([]);
      }

      expect(t.lost).toEqual([]);
      expect(t.registry.has('n1')).toBe(true);
    });

    it('counts silence from the reconnection: the nodes get the whole dead timeout to be heard', () => {
      const t = registry();
      t.beat('n1');
      t.beat('n2');
      t.advance(2_000);
      t.registry.connectionDown();
      t.advance(DEAD_MS); // the outage: no heartbeat reaches this replica
      t.registry.connectionUp();

      t.advance(1_500);
      expect(t.registry.sweep()).toEqual([]); // 13.5 s since n1 was heard: not dead
      t.beat('n2'); // n2 reconnected; n1 never comes back
      t.advance(DEAD_MS - 1_500);
      expect(t.registry.sweep()).toEqual([]);

      t.advance(1);
      expect(t.registry.sweep()).toEqual(['n1']);
      expect(t.lost).toEqual([['n1', 'silent']]);
      expect(t.registry.has('n2')).toBe(true);
    });

    it('a node silent before the outage is still not dead before the timeout after it', () => {
      const t = registry();
      t.beat('n1');
      t.advance(DEAD_MS - 1_000); // nearly dead already
      t.registry.connectionDown();
      t.advance(500);
      t.registry.connectionUp();

      t.advance(DEAD_MS);
      expect(t.registry.sweep()).toEqual([]);
      t.advance(1);
      expect(t.registry.sweep()).toEqual(['n1']);
    });

    it('a node that reconnects late is stale (no placements) until it is heard', () => {
      const t = registry();
      t.beat('n1');
      t.registry.connectionDown();
      t.advance(DEAD_MS);
      t.registry.connectionUp();

      expect(t.registry.state('n1')).toBe('stale');
      expect(t.placeable('n1')).toBe(false);
      t.beat('n1');
      expect(t.registry.state('n1')).toBe('serving');
    });
  });

  describe('restarts', () => {
    it('announces a node whose sequence starts again as restarted, and keeps its new heartbeat', () => {
      const t = registry();
      t.beat('n1', { sequence: 41 });
      t.beat('n1', { sequence: 42 });

      t.beat('n1', { sequence: 1, cpu: 0.25 });

      expect(t.lost).toEqual([['n1', 'restarted']]);
      expect(t.registry.has('n1')).toBe(true);
      expect(t.registry.heartbeat('n1')).toMatchObject({ sequence: 1 });
      expect(t.registry.heartbeat('n1')!.workers[0]!.cpu).toBe(0.25);
      expect(t.registry.state('n1')).toBe('serving');
    });

    it('forgets a drain the old process was asked for: the new process never heard of it', () => {
      const t = registry();
      t.beat('n1', { sequence: 7 });
      t.registry.requestState('n1', 'draining');

      t.beat('n1', { sequence: 1, state: 'serving' });

      expect(t.registry.state('n1')).toBe('serving');
      expect(t.placeable('n1')).toBe(true);
    });

    it.each([
      { what: 'the next sequence', sequence: 43 },
      { what: 'the same sequence again', sequence: 42 },
      { what: 'a sequence that skips ahead', sequence: 1_000 },
    ])('does not announce $what', ({ sequence }) => {
      const t = registry();
      t.beat('n1', { sequence: 42 });

      t.beat('n1', { sequence });

      expect(t.lost).toEqual([]);
    });
  });

  describe('draining', () => {
    it('reports a requested drain until the node confirms it, then follows the node', () => {
      const t = registry();
      t.beat('n1');

      t.registry.requestState('n1', 'draining');
      expect(t.registry.state('n1')).toBe('draining');
      expect(t.placeable('n1')).toBe(false);

      t.beat('n1', { state: 'serving' }); // sent before the node heard of the drain
      expect(t.registry.state('n1')).toBe('draining');
      expect(t.placeable('n1')).toBe(false);

      t.beat('n1', { state: 'draining' }); // confirmed: the request is done
      expect(t.registry.state('n1')).toBe('draining');

      t.beat('n1', { state: 'serving' }); // from now on the node's own word counts
      expect(t.registry.state('n1')).toBe('serving');
      expect(t.placeable('n1')).toBe(true);
    });

    it('reports a requested undrain until the node confirms it, then follows the node', () => {
      const t = registry();
      t.beat('n1', { state: 'draining' });

      t.registry.requestState('n1', 'serving');
      expect(t.registry.state('n1')).toBe('serving');
      expect(t.placeable('n1')).toBe(true);

      t.beat('n1', { state: 'draining' });
      expect(t.registry.state('n1')).toBe('serving');

      t.beat('n1', { state: 'serving' });
      t.beat('n1', { state: 'draining' });
      expect(t.registry.state('n1')).toBe('draining');
    });

    it('ignores a request for a node it does not know', () => {
      const t = registry();

      t.registry.requestState('ghost', 'draining');
      t.beat('ghost');

      expect(t.registry.state('ghost')).toBe('serving');
    });
  });

  describe('snapshots', () => {
    it.each<{
      case: string;
      state: SfuNodeHeartbeat['state'];
      silentFor: number;
      requested?: 'draining' | 'serving';
      placeable: boolean;
    }>([
      { case: 'fresh and serving', state: 'serving', silentFor: 0, placeable: true },
      { case: 'starting', state: 'starting', silentFor: 0, placeable: false },
      { case: 'draining', state: 'draining', silentFor: 0, placeable: false },
      { case: 'serving but stale', state: 'serving', silentFor: STALE_MS + 1, placeable: false },
      {
        case: 'serving with a drain requested',
        state: 'serving',
        silentFor: 0,
        requested: 'draining',
        placeable: false,
      },
      {
        case: 'draining with an undrain requested',
        state: 'draining',
        silentFor: 0,
        requested: 'serving',
        placeable: true,
      },
      {
        case: 'stale with an undrain requested',
        state: 'draining',
        silentFor: STALE_MS + 1,
        requested: 'serving',
        placeable: false,
      },
    ])('a node $case is placeable: $placeable', (t) => {
      const r = registry();
      r.beat('n1', { state: t.state });
      if (t.requested) r.registry.requestState('n1', t.requested);
      r.advance(t.silentFor);

      const snapshots = [...r.registry.snapshots()];

      expect(snapshots).toEqual([
        { heartbeat: r.registry.heartbeat('n1'), placeable: t.placeable },
      ]);
    });
  });

  describe('views', () => {
    it("lists nodes by id with their state, heartbeat age, load and placement's reservations", () => {
      const t = registry();
      const placement = new Placement();
      t.beat('n2', { cpu: 0.5, consumers: 100 });
      t.beat('n1', { state: 'draining' });
      t.advance(1_500);
      placement.place(
        { room: { nodes: new Map(), participants: 0 } },
        t.registry.snapshots(),
        t.now,
      );

      const views = t.registry.views(placement);

      expect(views.map((v) => [v.nodeId, v.state])).toEqual([
        ['n1', 'draining'],
        ['n2', 'serving'],
      ]);
      expect(views[1]).toEqual({
        nodeId: 'n2',
        region: 'eu-west',
        state: 'serving',
        ageMs: 1_500,
        load: 0.502, // the reservation's 2 streams add to CPU (0.5 + 2/1000)
        cpu: 0.502,
        streams: 102,
        maxStreams: 1_000,
        bitrateOutBps: 25_000_000,
        workers: 1,
        reservations: 1,
        rooms: 3,
        participants: 7,
      });
    });
  });
});
