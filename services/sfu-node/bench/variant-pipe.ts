import {
  type BenchNode,
  call,
  fanOutThroughApi,
  ingestThroughApi,
  newRoom,
  type NodeInfra,
  startNode,
} from './sfu-nodes';
import type { FanoutSetup, FanoutSpec, Variant } from './variant';

type Room = ReturnType<typeof newRoom>;

/**
 * (c) Through a pipe: the producer is ingested on node A and piped to node B with the cascade
 * ops; the consumers live on B. B's worker is what scales with the consumers; A's worker is the
 * fixed cost of ingesting and piping.
 */
export function sfuNodePipe(nodeInfra: () => Promise<NodeInfra>): Variant {
  return {
    key: 'c',
    label: 'sfu-node pipe A→B',
    async setup({ consumers, stream, sinks, disposer }: FanoutSpec): Promise<FanoutSetup> {
      const infra = await nodeInfra();
      const a = await startNode(infra, 'bench-a', disposer);
      const b = await startNode(infra, 'bench-b', disposer);
      const room = newRoom('c');
      const { ingest, producerId } = await ingestThroughApi(a, room, stream);
      const pipedProducerId = await pipeProducer(a, b, room, producerId);
      await fanOutThroughApi(b, room, pipedProducerId, consumers, sinks);
      return {
        ingest,
        processes: [
          { role: 'worker', pid: b.workerPid },
          { role: 'node', pid: b.proc.child.pid! },
          { role: 'pipe-worker', pid: a.workerPid },
          { role: 'pipe-node', pid: a.proc.child.pid! },
        ],
      };
    },
  };
}

/** Connects a pipe between `from` and `to` for `room` and pipes `producerId` through it. */
async function pipeProducer(
  from: BenchNode,
  to: BenchNode,
  room: Room,
  producerId: string,
): Promise<string> {
  const fromEnd = await call(from, 'pipe.create', { ...room, peerNodeId: to.nodeId });
  const toEnd = await call(to, 'pipe.create', { ...room, peerNodeId: from.nodeId });
  const connectTo = (end: typeof fromEnd) => ({
    ip: end.ip,
    port: end.port,
    srtpParameters: end.srtpParameters,
  });
  await call(from, 'pipe.connect', { ...room, peerNodeId: to.nodeId, ...connectTo(toEnd) });
  await call(to, 'pipe.connect', { ...room, peerNodeId: from.nodeId, ...connectTo(fromEnd) });
  const piped = await call(from, 'pipe.produceOut', {
    ...room,
    peerNodeId: to.nodeId,
    producerId,
  });
  const result = await call(to, 'pipe.produceIn', { ...room, peerNodeId: from.nodeId, ...piped });
  return result.producerId;
}
