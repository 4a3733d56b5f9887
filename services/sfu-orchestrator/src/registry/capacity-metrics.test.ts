import type { SfuNodeHeartbeat } from '@cascade/contracts';
import { Registry } from 'prom-client';

import { Placement } from '../placement/placement';
import { registerCapacityMetrics } from './capacity-metrics';
import { NodeRegistry } from './node-registry';

const T0 = 1_700_000_000_000;

/** A node sending 25 of its 100 Mbit/s out, nothing else: a load of 0.25. */
function heartbeat(nodeId: string, state: SfuNodeHeartbeat['state']): SfuNodeHeartbeat {
  return {
    nodeId,
    region: 'eu-west',
    state,
    version: 'test',
    addresses: { announcedAddress: `${nodeId}.test`, rtcBasePort: 40_000 },
    capacity: { maxStreams: 1_000, maxBitrateOutBps: 100_000_000 },
    workers: [
      {
        index: 0,
        pid: 100,
        cpu: 0,
        routers: 1,
        transports: 2,
        producers: 0,
        consumers: 0,
        pipeConsumers: 4,
        bitrateInBps: 0,
        bitrateOutBps: 25_000_000,
      },
    ],
    totals: {
      rooms: 1,
      participants: 2,
      producers: 0,
      consumers: 0,
      pipeConsumers: 4,
      bitrateInBps: 0,
      bitrateOutBps: 25_000_000,
    },
    sentAt: T0,
    sequence: 1,
  };
}

async function valuesOf(metrics: Registry, name: string) {
  const metric = metrics.getSingleMetric(name);
  return (await metric!.get()).values.map((v) => ({ labels: v.labels, value: v.value }));
}

describe('the orchestrator’s capacity metrics', () => {
  const metrics = new Registry();
  const nodes = new NodeRegistry({ staleAfterMs: 5_000, deadAfterMs: 15_000 }, () => T0);
  registerCapacityMetrics(metrics, nodes, new Placement(), 0.9);
  nodes.observe(heartbeat('n1', 'serving'));
  nodes.observe(heartbeat('n2', 'serving'));
  nodes.observe(heartbeat('n3', 'draining'));

  it('counts the free capacity of serving nodes only, in nodes below the overload threshold', async () => {
    // Two serving nodes at 0.25 of 0.9: (0.9 - 0.25) / 0.9 each.
    expect(await valuesOf(metrics, 'orchestrator_capacity_free_nodes')).toEqual([
      { labels: {}, value: 1.444 },
    ]);
  });

  it('reports each node’s load and pipes, draining ones too', async () => {
    expect(await valuesOf(metrics, 'orchestrator_node_load')).toEqual(
      ['n1', 'n2', 'n3'].map((node) => ({ labels: { node }, value: 0.25 })),
    );
    expect(await valuesOf(metrics, 'orchestrator_node_pipe_consumers')).toEqual(
      ['n1', 'n2', 'n3'].map((node) => ({ labels: { node }, value: 4 })),
    );
  });
});
