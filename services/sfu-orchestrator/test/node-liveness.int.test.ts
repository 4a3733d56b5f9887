import type { ServiceProcess } from '@cascade/testing';
import { eventually } from '@cascade/testing';

import { type RunningNode, useOrchestratorCluster } from './support/cluster';

/**
 * How the orchestrator tells a dead SFU node from a busy one, with real NATS and real sfu-node
 * processes. The heartbeat timeout is set far away (30 s), so a node declared lost within
 * `EARLY_MS` was found by the liveness probe, not by the timeout.
 */
const cluster = useOrchestratorCluster();
const EARLY_MS = 10_000;
const ORCHESTRATOR_ENV = { ORCH_NODE_STALE_MS: '20000', ORCH_NODE_DEAD_MS: '30000' };
/** Heartbeats as in production (the suite's default is faster). */
const NODE_ENV = { SFU_HEARTBEAT_INTERVAL_MS: '1000' };
const TENANT = 'acme';

let orchestrator: ServiceProcess;

beforeAll(async () => {
  orchestrator = await cluster.spawnOrchestrator(ORCHESTRATOR_ENV);
}, 60_000);

/** The orchestrator's count of liveness probes with this outcome. */
async function probes(outcome: 'answered' | 'no-responders' | 'no-answer'): Promise<number> {
  const text = await (await orchestrator.fetch('/metrics')).text();
  const line = new RegExp(
    `^orchestrator_node_probes_total\\{[^}]*outcome="${outcome}"[^}]*\\} (\\d+)`,
    'm',
  );
  return Number(line.exec(text)?.[1] ?? 0);
}

/** A node the orchestrator lists, and whose process has answered a probe (so it is trusted). */
async function nodeKnownToAnswer(
  id: string,
  env: Record<string, string> = {},
): Promise<RunningNode> {
  const answeredBefore = await probes('answered');
  const node = await cluster.spawnNode(id, { ...NODE_ENV, ...env });
  await eventually(
    `the orchestrator to list ${id}`,
    () => cluster.admin({ op: 'nodes.list' }),
    ({ nodes }) => nodes.some((n) => n.nodeId === id),
  );
  await eventually(
    `${id} to answer a probe`,
    () => probes('answered'),
    (n) => n > answeredBefore,
  );
  return node;
}

async function listed(id: string) {
  const { nodes } = await cluster.admin({ op: 'nodes.list' });
  return nodes.find((n) => n.nodeId === id);
}

function lostLog(id: string) {
  return orchestrator.logs.find((l) => l['msg'] === 'SFU node lost' && l['nodeId'] === id);
}

async function stop(node: RunningNode): Promise<void> {
  await node.process.kill();
  cluster.nodes.delete(node.id);
}

describe('finding dead SFU nodes', () => {
  it('declares a node killed with SIGKILL lost within seconds, long before the heartbeat timeout, and tells its participants to reconnect', async () => {
    const victim = await nodeKnownToAnswer('victim');
    const seat = { tenantId: TENANT, roomId: 'standup', participantId: 'p1' };
    const placed = await cluster.request('participant.join', seat);
    expect(placed.nodeId).toBe('victim');
    const eventsBefore = cluster.roomEvents.length;

    const killedAt = Date.now();
    await victim.process.signal('SIGKILL');
    cluster.nodes.delete(victim.id);

    await eventually(
      'the participant of the killed node to be told to reconnect',
      () =>
        cluster.roomEvents
          .slice(eventsBefore)
          .filter((e) => e.type === 'participant.reconnectRequired'),
      (told) => told.some((e) => e.participantId === 'p1' && e.nodeId === 'victim'),
      { timeoutMs: EARLY_MS, intervalMs: 50 },
    );
    const toldAfterMs = Date.now() - killedAt;
    expect(await listed('victim')).toBeUndefined();
    const log = await eventually('the loss to be logged', () => lostLog('victim'), Boolean);
    expect(log).toMatchObject({ why: 'unreachable' });
    expect(await probes('no-responders')).toBeGreaterThanOrEqual(1);
    if (process.env['CASCADE_TEST_SHOW_TIMINGS'])
      process.stderr.write(
        `kill -9 → reconnectRequired seen by the test after ${toldAfterMs} ms; ` +
          `declared lost ${String(log!['silentMs'])} ms after its last heartbeat\n`,
      );
  });

  it('keeps a node whose heartbeats stop while it still answers its probes', async () => {
    // Heartbeats every 10 s: after the first, the node is silent long past ORCH_NODE_SUSPECT_MS.
    const slow = await nodeKnownToAnswer('slow', { SFU_HEARTBEAT_INTERVAL_MS: '10000' });
    const answeredBefore = await probes('answered');

    const seen = await eventually(
      'the slow node to stay listed while silent for 5 s',
      () => listed('slow'),
      (view) => view === undefined || view.ageMs >= 5_000,
      { timeoutMs: EARLY_MS, intervalMs: 100 },
    );

    expect(seen).toMatchObject({ nodeId: 'slow', state: 'serving' });
    expect(await probes('answered')).toBeGreaterThan(answeredBefore);
    expect(lostLog('slow')).toBeUndefined();
    await stop(slow);
  });

  it('keeps a frozen node (SIGSTOP: it neither heartbeats nor answers) until it thaws', async () => {
    const frozen = await nodeKnownToAnswer('frozen');
    const unansweredBefore = await probes('no-answer');

    frozen.process.child.kill('SIGSTOP');
    try {
      const seen = await eventually(
        'the frozen node to stay listed while silent for 5 s',
        () => listed('frozen'),
        (view) => view === undefined || view.ageMs >= 5_000,
        { timeoutMs: EARLY_MS, intervalMs: 100 },
      );
      expect(seen).toMatchObject({ nodeId: 'frozen' });
      expect(await probes('no-answer')).toBeGreaterThan(unansweredBefore);
    } finally {
      frozen.process.child.kill('SIGCONT');
    }

    await eventually(
      'the thawed node to heartbeat again',
      () => listed('frozen'),
      (view) => view !== undefined && view.ageMs < 2_000,
    );
    expect(lostLog('frozen')).toBeUndefined();
    await stop(frozen);
  });
});
