import { Gauge, type Registry } from 'prom-client';

import type { Placement } from '../placement/placement';
import type { NodeRegistry } from './node-registry';

/**
 * What the SFU nodes can still take, as this replica sees them from their heartbeats: each
 * node's load and pipes, and the free capacity of the nodes taking participants, in nodes'
 * worth (`orchestrator_capacity_free_nodes`, what the SFU node autoscaler scales on; see
 * deploy/k8s/components/autoscaling). Every replica hears every node, so each reports the same:
 * aggregate across replicas with `max`, not `sum`.
 */
export function registerCapacityMetrics(
  metrics: Registry,
  registry: NodeRegistry,
  placement: Placement,
  overloadThreshold: number,
): void {
  new Gauge({
    name: 'orchestrator_node_load',
    help: 'Load of each SFU node (0..1: the largest of CPU, streams and bandwidth used), by node',
    labelNames: ['node'] as const,
    registers: [metrics],
    collect() {
      this.reset();
      for (const view of registry.views(placement)) this.set({ node: view.nodeId }, view.load);
    },
  });
  new Gauge({
    name: 'orchestrator_node_pipe_consumers',
    help: 'Pipe consumers on each SFU node (producers piped in from other nodes), by node',
    labelNames: ['node'] as const,
    registers: [metrics],
    collect() {
      this.reset();
      for (const { heartbeat } of registry.snapshots())
        this.set({ node: heartbeat.nodeId }, heartbeat.totals.pipeConsumers);
    },
  });
  new Gauge({
    name: 'orchestrator_capacity_free_nodes',
    help:
      'Free capacity of the SFU nodes taking participants, in nodes: the sum over serving ' +
      'nodes of how far each is below the overload threshold, divided by that threshold',
    registers: [metrics],
    collect() {
      let free = 0;
      for (const view of registry.views(placement)) {
        if (view.state !== 'serving') continue;
        free += Math.max(0, overloadThreshold - view.load) / overloadThreshold;
      }
      this.set(Math.round(free * 1000) / 1000);
    },
  });
}
