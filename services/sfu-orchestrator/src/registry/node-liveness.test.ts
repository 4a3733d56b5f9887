import type { SfuNodeHeartbeat } from '@cascade/contracts';

import { NodeLiveness, type ProbeOutcome } from './node-liveness';
import { NodeRegistry } from './node-registry';

const SUSPECT_MS = 1_500;
const PROBE_INTERVAL_MS = 1_000;
const DEAD_MS = 30_000;
const T0 = 1_700_000_000_000;

function heartbeat(nodeId: string, sequence: number, sentAt: number): SfuNodeHeartbeat {
  const totals = {
    rooms: 0,
    participants: 0,
    producers: 0,
    consumers: 0,
    pipeConsumers: 0,
    bitrateInBps: 0,
    bitrateOutBps: 0,
  };
  return {
    nodeId,
    region: 'eu-west',
    state: 'serving',
    version: 'test',
    addresses: { announcedAddress: `${nodeId}.test`, rtcBasePort: 40_000 },
    capacity: { maxStreams: 1_000, maxBitrateOutBps: 100_000_000 },
    workers: [],
    totals,
    sentAt,
    sequence,
  };
}

/**
 * A registry and its liveness on a fake clock. Probes wait until the test settles them: each
 * node's probes are answered by what the test says the node (or NATS) would answer.
 */
function cluster() {
  let now = T0;
  const clock = () => now;
  const registry = new NodeRegistry({ staleAfterMs: 5_000, deadAfterMs: DEAD_MS }, clock);
  const pending: Array<{ nodeId: string; settle: (outcome: ProbeOutcome) => void }> = [];
  const liveness = new NodeLiveness(
    registry,
    (nodeId) => new Promise<ProbeOutcome>((settle) => pending.push({ nodeId, settle })),
    { suspectAfterMs: SUSPECT_MS, probeIntervalMs: PROBE_INTERVAL_MS },
    clock,
  );
  const lost: Array<[string, string, number]> = [];
  registry.on('lost', (nodeId, why, silentMs) => lost.push([nodeId, why, silentMs]));
  const sequences = new Map<string, number>();
  liveness.connectionUp();

  const t = {
    registry,
    liveness,
    lost,
    /** Probes sent and not settled yet, by node. */
    get probing(): string[] {
      return pending.map((p) => p.nodeId);
    },
    advance(ms: number) {
      now += ms;
    },
    beat(nodeId: string, sequence = (sequences.get(nodeId) ?? 0) + 1) {
      sequences.set(nodeId, sequence);
      registry.observe(heartbeat(nodeId, sequence, now));
    },
    /** Settles every pending probe of `nodeId` with `outcome`, and lets the liveness conclude. */
    async answer(nodeId: string, outcome: ProbeOutcome) {
      for (const p of pending.filter((p) => p.nodeId === nodeId)) {
        pending.splice(pending.indexOf(p), 1);
        p.settle(outcome);
      }
      await new Promise((r) => setImmediate(r));
    },
    /** A node that has registered and answered its first probe, as every current node does. */
    async known(nodeId: string) {
      t.beat(nodeId);
      liveness.check();
      await t.answer(nodeId, 'answered');
    },
    /** Time passes in `step`s for `ms`, with the node's heartbeats stopped, checking each step. */
    async silentFor(ms: number, step = 100, outcome?: ProbeOutcome, nodeId?: string) {
      for (let elapsed = 0; elapsed < ms; elapsed += step) {
        t.advance(step);
        liveness.check();
        if (outcome && nodeId) await t.answer(nodeId, outcome);
      }
    },
  };
  return t;
}

describe('NodeLiveness', () => {
  describe('a node that dies', () => {
    it('is declared unreachable as soon as a probe of its silence finds no responder', async () => {
      const t = cluster();
      await t.known('n1');

      await t.silentFor(SUSPECT_MS);
      expect(t.probing).toEqual(['n1']);
      await t.answer('n1', 'no-responders');

      expect(t.lost).toEqual([['n1', 'unreachable', SUSPECT_MS]]);
      expect(t.registry.has('n1')).toBe(false);
    });

    it('is not probed while its heartbeats keep coming', async () => {
      const t = cluster();
      await t.known('n1');

      for (let i = 0; i < 20; i++) {
        t.advance(1_000);
        t.beat('n1');
        t.liveness.check();
      }

      expect(t.probing).toEqual([]);
      expect(t.lost).toEqual([]);
    });

    it('leaves the other nodes alone', async () => {
      const t = cluster();
      await t.known('n1');
      await t.known('n2');

      for (let i = 0; i < 20; i++) {
        t.advance(100);
        if (i % 10 === 0) t.beat('n2');
        t.liveness.check();
      }
      await t.answer('n1', 'no-responders');

      expect(t.lost.map(([id]) => id)).toEqual(['n1']);
      expect(t.registry.has('n2')).toBe(true);
    });
  });

  describe('a node that is busy, not dead', () => {
    it('stays while it answers probes, however long its heartbeats are late', async () => {
      const t = cluster();
      await t.known('n1');

      await t.silentFor(DEAD_MS - 1_000, 100, 'answered', 'n1');

      expect(t.lost).toEqual([]);
      expect(t.registry.has('n1')).toBe(true);
    });

    it('stays while its probes go unanswered (a frozen process keeps its subscription)', async () => {
      const t = cluster();
      await t.known('n1');

      await t.silentFor(DEAD_MS - 1_000, 100, 'no-answer', 'n1');

      expect(t.lost).toEqual([]);
    });

    it('is probed again at most once per probe interval, and never twice at once', async () => {
      const t = cluster();
      await t.known('n1');
      await t.silentFor(SUSPECT_MS);
      expect(t.probing).toEqual(['n1']);

      await t.silentFor(3_000); // the probe is still out
      expect(t.probing).toEqual(['n1']);
      await t.answer('n1', 'answered');

      t.liveness.check();
      expect(t.probing).toEqual(['n1']); // the last one went out more than an interval ago
      await t.answer('n1', 'answered');
      t.advance(PROBE_INTERVAL_MS - 1);
      t.liveness.check();
      expect(t.probing).toEqual([]);
      t.advance(1);
      t.liveness.check();
      expect(t.probing).toEqual(['n1']);
    });

    it('still dies at the heartbeat timeout', async () => {
      const t = cluster();
      await t.known('n1');

      await t.silentFor(DEAD_MS + 1, 100, 'no-answer', 'n1');
      t.registry.sweep();

      expect(t.lost.map(([id, why]) => [id, why])).toEqual([['n1', 'silent']]);
    });
  });

  describe('what "no responders" does not prove', () => {
    it('nothing about a node that never answered a probe (one that does not serve pings)', async () => {
      const t = cluster();
      t.beat('old');
      t.liveness.check();
      expect(t.probing).toEqual(['old']); // learning whether it answers
      await t.answer('old', 'no-responders');

      await t.silentFor(DEAD_MS - 1_000, 100, 'no-responders', 'old');

      expect(t.lost).toEqual([]);
      expect(t.liveness.answers('old')).toBe(false);
    });

    it('nothing when a heartbeat arrives while the probe is out', async () => {
      const t = cluster();
      await t.known('n1');
      await t.silentFor(SUSPECT_MS);
      t.beat('n1'); // a heartbeat arrives before the probe is answered…
      await t.answer('n1', 'no-responders'); // …so the answer is about a connection that came back

      expect(t.lost).toEqual([]);
      expect(t.registry.has('n1')).toBe(true);
    });

    it("nothing while this replica's own connection was away: silence counts from the reconnect", async () => {
      const t = cluster();
      await t.known('n1');
      t.liveness.connectionDown();
      await t.silentFor(5_000);
      expect(t.probing).toEqual([]);

      t.liveness.connectionUp();
      // Trust is earned again: n1 is probed at once, and answers (it reconnected first).
      t.liveness.check();
      expect(t.probing).toEqual(['n1']);
      await t.answer('n1', 'answered');
      await t.silentFor(SUSPECT_MS - 100);
      expect(t.probing).toEqual([]);
      await t.silentFor(100);
      expect(t.probing).toEqual(['n1']);
      await t.answer('n1', 'no-responders');

      expect(t.lost.map(([id, why]) => [id, why])).toEqual([['n1', 'unreachable']]);
    });

    it('nothing about a node not back yet after the outage: it reconnects on its own schedule', async () => {
      const t = cluster();
      await t.known('n1');
      t.liveness.connectionDown();
      await t.silentFor(10_000);
      t.liveness.connectionUp();

      // n1's connection is not back yet: NATS has nobody on its ping subject, for seconds.
      await t.silentFor(3 * SUSPECT_MS, 100, 'no-responders', 'n1');
      expect(t.lost).toEqual([]);
      expect(t.liveness.answers('n1')).toBe(false);

      // Back: it answers, heartbeats again, and a later death is found as before.
      t.advance(PROBE_INTERVAL_MS);
      t.liveness.check();
      expect(t.probing).toEqual(['n1']);
      await t.answer('n1', 'answered');
      t.beat('n1');
      await t.silentFor(SUSPECT_MS, 100, 'no-responders', 'n1');
      expect(t.lost.map(([id, why]) => [id, why])).toEqual([['n1', 'unreachable']]);
    });

    it('nothing when the connection dropped while the probe was out', async () => {
      const t = cluster();
      await t.known('n1');
      await t.silentFor(SUSPECT_MS);
      t.liveness.connectionDown();
      t.liveness.connectionUp();

      await t.answer('n1', 'no-responders');

      expect(t.lost).toEqual([]);
    });

    it('nothing about a restarted node until its new process answered too', async () => {
      const t = cluster();
      t.beat('n1', 40);
      t.liveness.check();
      await t.answer('n1', 'answered');

      t.beat('n1', 0); // a new process under the same id
      expect(t.lost.map(([id, why]) => [id, why])).toEqual([['n1', 'restarted']]);
      expect(t.liveness.answers('n1')).toBe(false);
      await t.silentFor(SUSPECT_MS, 100, 'no-responders', 'n1');

      expect(t.lost).toHaveLength(1);
    });
  });

  it('forgets a node the heartbeat timeout removed, and learns it again when it returns', async () => {
    const t = cluster();
    await t.known('n1');
    t.advance(DEAD_MS + 1);
    t.registry.sweep();
    t.liveness.check();
    expect(t.probing).toEqual([]);

    t.beat('n1');
    t.liveness.check();

    expect(t.liveness.answers('n1')).toBe(false);
    expect(t.probing).toEqual(['n1']);
  });
});
