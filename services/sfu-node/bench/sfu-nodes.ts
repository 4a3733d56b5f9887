import { randomInt, randomUUID } from 'node:crypto';

import { createSubjects, type SfuControlOp, type SfuControlResult } from '@cascade/contracts';
import { type SfuControlPayload, SfuNodeClient } from '@cascade/sfu-client';
import {
  freePortRange,
  type Infrastructure,
  provisionInfrastructure,
  ServiceProcess,
  waitFor,
} from '@cascade/testing';
import { connect, type NatsConnection } from '@nats-io/transport-node';

import { newSrtpParameters, producerRtpParameters, type VideoStream } from './ffmpeg-srtp';
import { childPids, mapLimit, type UdpSinks } from './measure';
import { type Disposer, range } from './variant';

/** Real NATS for the sfu-node variants, and one connection to it for their clients. */
export interface NodeInfra {
  infra: Infrastructure;
  nc: NatsConnection;
  close(): Promise<void>;
}

export async function openNodeInfra(): Promise<NodeInfra> {
  const infra = await provisionInfrastructure({ nats: true });
  try {
    const nc = await connect({ servers: infra.nats!.url, timeout: 5_000 });
    return {
      infra,
      nc,
      close: async () => {
        await nc.close();
        await infra.teardown();
      },
    };
  } catch (error) {
    await infra.teardown();
    throw error;
  }
}

/** One running sfu-node with a single worker, and a client for its control API. */
export interface BenchNode {
  nodeId: string;
  proc: ServiceProcess;
  client: SfuNodeClient;
  workerPid: number;
}

/**
 * Spawns a real sfu-node (built `dist/main.js`) with one mediasoup worker on loopback, waits until
 * it is ready and its worker process exists, and registers its end with `disposer`.
 */
export async function startNode(
  nodeInfra: NodeInfra,
  nodeId: string,
  disposer: Disposer,
): Promise<BenchNode> {
  const rtcMinPort = randomInt(20_000, 59_000);
  const env = {
    ...nodeInfra.infra.env,
    MEDIASOUP_NUM_WORKERS: '1',
    SFU_NODE_ID: nodeId,
    SFU_LISTEN_IP: '127.0.0.1',
    SFU_ANNOUNCED_ADDRESS: '127.0.0.1',
    SFU_WEBRTC_PORT_BASE: String(await freePortRange(1)),
    MEDIASOUP_RTC_MIN_PORT: String(rtcMinPort),
    MEDIASOUP_RTC_MAX_PORT: String(rtcMinPort + 999),
  };
  const proc = await ServiceProcess.spawn('sfu-node', env);
  disposer.defer(`stop sfu-node ${nodeId}`, () => stopNode(proc));
  try {
    await proc.waitUntilAlive(30_000);
    await proc.waitForReadiness(200, 30_000);
  } catch (error) {
    throw new Error(`sfu-node ${nodeId} did not get ready: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const workerPid = await waitFor(`the mediasoup worker of ${nodeId}`, async () => {
    const pids = childPids(proc.child.pid!, 'mediasoup-worker');
    if (pids.length > 1) throw new Error(`${nodeId} has ${pids.length} workers, expected 1`);
    return pids[0];
  });
  const subjects = createSubjects(nodeInfra.infra.nats!.subjectPrefix);
  const client = new SfuNodeClient(nodeInfra.nc, subjects, nodeId, { timeoutMs: 10_000 });
  return { nodeId, proc, client, workerPid };
}

/**
 * Kills the node outright (SIGTERM would drain, which a benchmark does not need to wait for) and
 * makes sure its worker, which exits when its channel to the node closes, is gone too.
 */
async function stopNode(proc: ServiceProcess): Promise<void> {
  const workers = proc.child.pid ? childPids(proc.child.pid, 'mediasoup-worker') : [];
  await proc.kill();
  await waitFor(
    'the worker of a stopped sfu-node to exit',
    async () => (workers.some(alive) ? undefined : true),
    { timeoutMs: 5_000 },
  ).catch(() => {
    for (const pid of workers) if (alive(pid)) process.kill(pid, 'SIGKILL');
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** An sfu-node API call that failed: which node, op and payload, and what it answered. */
export class ApiCallError extends Error {
  override readonly name = 'ApiCallError';
}

/** One control request; a failure names the op, the payload and the node's error. */
export async function call<O extends SfuControlOp>(
  node: BenchNode,
  op: O,
  payload: SfuControlPayload<O>,
): Promise<SfuControlResult<O>> {
  try {
    return await node.client.request(op, payload);
  } catch (error) {
    const e = error as { code?: string; message?: string; details?: unknown };
    const sent = JSON.stringify(payload, (key, value) =>
      key === 'rtpCapabilities' ? '<router capabilities>' : value,
    );
    throw new ApiCallError(
      `${node.nodeId}: ${op} failed: ${e.code ?? 'error'}: ${e.message ?? String(error)}` +
        (e.details === undefined ? '' : ` (details ${JSON.stringify(e.details)})`) +
        `; payload ${sent}`,
      { cause: error },
    );
  }
}

/** A room of its own for each measurement. */
export function newRoom(label: string): { tenantId: string; roomId: string } {
  return { tenantId: 'bench', roomId: `fanout-${label}-${randomUUID().slice(0, 8)}` };
}

type Room = ReturnType<typeof newRoom>;

/** The ingest participant: an SRTP PlainTransport and the VP8 producer ffmpeg feeds. */
export async function ingestThroughApi(node: BenchNode, room: Room, stream: VideoStream) {
  const participant = { ...room, participantId: 'ingest' };
  const transport = await call(node, 'transport.createPlain', {
    ...participant,
    comedia: stream.from === undefined,
    rtcpMux: true,
    enableSrtp: true,
  });
  const from = stream.from ? { ip: stream.from.ip, port: stream.from.port } : {};
  await call(node, 'transport.connectPlain', {
    ...participant,
    transportId: transport.transportId,
    ...from,
    srtpParameters: stream.srtp,
  });
  const { producerId } = await call(node, 'producer.create', {
    ...participant,
    transportId: transport.transportId,
    kind: 'video',
    source: 'camera',
    rtpParameters: producerRtpParameters(stream),
    paused: false,
  });
  return { ingest: { ip: transport.ip, port: transport.port }, producerId };
}

/**
 * `consumers` viewers `viewer-<i>`, each with its own SRTP PlainTransport sending to sink `i`,
 * consuming `producerId` with the router's capabilities, resumed.
 */
export async function fanOutThroughApi(
  node: BenchNode,
  room: Room,
  producerId: string,
  consumers: number,
  sinks: UdpSinks,
): Promise<void> {
  const { rtpCapabilities } = await call(node, 'router.capabilities', room);
  await mapLimit(range(consumers), 8, async (i) => {
    const participant = { ...room, participantId: `viewer-${i}` };
    const transport = await call(node, 'transport.createPlain', {
      ...participant,
      comedia: false,
      rtcpMux: true,
      enableSrtp: true,
    });
    await call(node, 'transport.connectPlain', {
      ...participant,
      transportId: transport.transportId,
      ...sinks.address(i),
      srtpParameters: newSrtpParameters(),
    });
    const consumer = await call(node, 'consumer.create', {
      ...participant,
      transportId: transport.transportId,
      producerId,
      rtpCapabilities,
    });
    await call(node, 'consumer.resume', { ...participant, consumerId: consumer.consumerId });
  });
}
