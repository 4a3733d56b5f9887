import { readFileSync, readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

import type { SfuRoomDump } from '@cascade/contracts';
import { SfuNodeClient } from '@cascade/sfu-client';

import type { RunningCascadeStack } from '../test/support/stack';
import type { SinkParticipant } from './big-room-participant';
import type { SinkCount } from './big-room-sinks';
import { machineTicks } from './metrics';
import { type Distribution, distribution, processCpuMs, sleep } from './stats';

/** What one node has of the room at one instant. */
interface NodeReading {
  nodeId: string;
  /** Participants of the room with a transport on the node (publishers and receivers). */
  participants: number;
  consumers: number;
  /** Consumers neither the client nor the view pauses. */
  flowing: number;
  packetsSent: number;
  bytesSent: number;
  workerCpuMs: number;
  /** Packets each consumer sent so far, by consumer id. */
  byConsumer: Map<string, number>;
}

/** One node over one measurement window. */
export interface NodeWindow {
  nodeId: string;
  participants: number;
  consumers: number;
  flowingConsumers: number;
  /**
   * Flowing consumers that sent at least one packet during the window (a consumer just resumed
   * or switched sends nothing until its layer's next key frame).
   */
  sendingConsumers: number;
  /** RTP packets/s the node's consumers of the room sent to their receivers (pipes excluded). */
  forwardedPps: number;
  forwardedKbps: number;
  /** CPU of the node's mediasoup worker, % of one core (user + system, from /proc). */
  workerCpuPercent: number;
}

/** Everything measured for one mode at one room size. */
export interface ModeWindow {
  seconds: number;
  nodes: NodeWindow[];
  /** What each receiving participant's sink got (kbit/s and packets/s, over the window). */
  clientKbps: Distribution;
  clientPps: Distribution;
  /** Cores the whole machine was busy on average. */
  machineBusyCores: number;
}

/** Pid of the mediasoup worker of each sfu-node process (one worker per node in the stack). */
export function workerPids(stack: RunningCascadeStack): Map<string, number> {
  const pids = new Map<string, number>();
  const children = new Map<number, number>(); // parent → worker
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== 'mediasoup-worke') continue;
      children.set(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]), Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  stack.sfuNodes.forEach((node, i) => {
    const worker = node.child.pid === undefined ? undefined : children.get(node.child.pid);
    if (worker === undefined) throw new Error(`no mediasoup worker under sfu-node n${i + 1}`);
    pids.set(`n${i + 1}`, worker);
  });
  return pids;
}

async function readNode(
  stack: RunningCascadeStack,
  nodeId: string,
  workerPid: number,
  room: { tenantId: string; roomId: string },
): Promise<NodeReading> {
  const client = new SfuNodeClient(stack.nc, stack.subjects, nodeId, { timeoutMs: 30_000 });
  let dump: SfuRoomDump | undefined;
  try {
    dump = await client.request('room.dump', { ...room, consumerStats: true });
  } catch {
    dump = undefined; // the room has nothing on this node
  }
  const consumers = dump?.participants.flatMap((p) => p.consumers) ?? [];
  return {
    nodeId,
    participants: dump?.participants.filter((p) => p.transports.length > 0).length ?? 0,
    consumers: consumers.length,
    flowing: consumers.filter((c) => !c.paused).length,
    packetsSent: consumers.reduce((sum, c) => sum + (c.packetsSent ?? 0), 0),
    bytesSent: consumers.reduce((sum, c) => sum + (c.bytesSent ?? 0), 0),
    workerCpuMs: processCpuMs(workerPid),
    byConsumer: new Map(consumers.map((c) => [c.id, c.packetsSent ?? 0])),
  };
}

const readAll = (
  stack: RunningCascadeStack,
  workers: Map<string, number>,
  room: { tenantId: string; roomId: string },
) => Promise.all([...workers].map(([nodeId, pid]) => readNode(stack, nodeId, pid, room)));

/**
 * Measures the room as it is now for `seconds`: every node's consumers and what they sent
 * (room dumps with consumer stats, before and after), each node's worker CPU, and what every
 * receiver's sink got. Stats calls land inside the window on both ends, so their own cost is in
 * the worker CPU (a few hundred getStats per node, twice).
 */
export async function measureWindow(
  stack: RunningCascadeStack,
  workers: Map<string, number>,
  room: { tenantId: string; roomId: string },
  receivers: SinkParticipant[],
  seconds: number,
): Promise<ModeWindow> {
  const sinksBefore: SinkCount[] = receivers.map((r) => r.sink.snapshot());
  const machineBefore = machineTicks();
  const before = await readAll(stack, workers, room);
  const started = performance.now();
  await sleep(seconds * 1000);
  const after = await readAll(stack, workers, room);
  const elapsed = (performance.now() - started) / 1000;
  const sinksAfter: SinkCount[] = receivers.map((r) => r.sink.snapshot());
  const machineAfter = machineTicks();
  const nodes = after.map((a, i) => {
    const b = before[i]!;
    return {
      nodeId: a.nodeId,
      participants: a.participants,
      consumers: a.consumers,
      flowingConsumers: a.flowing,
      sendingConsumers: [...a.byConsumer].filter(([id, n]) => n > (b.byConsumer.get(id) ?? 0))
        .length,
      forwardedPps: (a.packetsSent - b.packetsSent) / elapsed,
      forwardedKbps: ((a.bytesSent - b.bytesSent) * 8) / 1000 / elapsed,
      workerCpuPercent: ((a.workerCpuMs - b.workerCpuMs) / 1000 / elapsed) * 100,
    };
  });
  const clientKbps = sinksAfter.map(
    (s, i) => ((s.bytes - sinksBefore[i]!.bytes) * 8) / 1000 / elapsed,
  );
  const clientPps = sinksAfter.map((s, i) => (s.packets - sinksBefore[i]!.packets) / elapsed);
  return {
    seconds: elapsed,
    nodes,
    clientKbps: distribution(clientKbps),
    clientPps: distribution(clientPps),
    machineBusyCores: (machineAfter.busy - machineBefore.busy) / 100 / elapsed,
  };
}
