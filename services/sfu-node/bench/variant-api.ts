import {
  fanOutThroughApi,
  ingestThroughApi,
  newRoom,
  type NodeInfra,
  startNode,
} from './sfu-nodes';
import type { FanoutSetup, FanoutSpec, Variant } from './variant';

/**
 * (a) Through the sfu-node's NATS API: one real sfu-node with one worker; the producer and every
 * consumer are created with control requests, exactly as the orchestrator and gateway would.
 */
export function sfuNodeApi(nodeInfra: () => Promise<NodeInfra>): Variant {
  return {
    key: 'a',
    label: 'sfu-node API',
    async setup({ consumers, stream, sinks, disposer }: FanoutSpec): Promise<FanoutSetup> {
      const node = await startNode(await nodeInfra(), 'bench-a', disposer);
      const room = newRoom('a');
      const { ingest, producerId } = await ingestThroughApi(node, room, stream);
      await fanOutThroughApi(node, room, producerId, consumers, sinks);
      return {
        ingest,
        processes: [
          { role: 'worker', pid: node.workerPid },
          { role: 'node', pid: node.proc.child.pid! },
        ],
      };
    },
  };
}
