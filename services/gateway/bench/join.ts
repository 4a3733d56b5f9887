import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import {
  type RunningCascadeStack,
  SignalingClient,
  opusRtpParameters,
  vp8RtpParameters,
} from '../test/support/stack';
import {
  CpuWindow,
  errorLines,
  histogramMeanMs,
  outputMarks,
  quiesce,
  scrape,
  stackProcesses,
} from './metrics';
import { type Distribution, distribution, inBatches, sleep } from './stats';

export const TENANT = 'bench';
const OWNER = 'u_bench_owner';
const REQUEST_TIMEOUT_MS = 30_000;

/** One burst (or a sequence) of joins. */
export interface JoinScenario {
  /** `burst`: every client starts at once; `sequential`: one join after the other. */
  mode: 'burst' | 'sequential';
  clients: number;
  rooms: number;
}

export interface JoinScenarioResult extends JoinScenario {
  name: string;
  /** Which stack: with the rooms service authorizing joins, or without. */
  stack: string;
  gateways: number;
  sfuNodes: number;
  publishersPerRoom: number;
  producersPerRoom: number;
  /** From `io()` to the socket's `connect` (handshake with the join token verified). */
  connectMs: Distribution;
  /** From `io()` to the `room.join` acknowledgement. */
  joinMs: Distribution;
  /** From `io()` to the last `consumer.create` ack (recv transport + a consumer per producer). */
  readyMs: Distribution;
  /** `room.join` ack to ready: the media part alone. */
  mediaMs: Distribution;
  /** First `io()` to the last client ready. */
  wallMs: number;
  /** Waited before the clock started for the machine to be quiet. */
  quiesceMs: number;
  /**
   * Server-side means over the timed phase, from the services' Prometheus histograms: the
   * gateway's time to answer each method (both instances) and the orchestrator's per operation.
   */
  serverMeansMs: Record<string, number>;
  /** CPU ms used during the timed phase by each service (instances summed) and the bench. */
  cpuMs: Record<string, number>;
  /** Cores the whole machine was busy on average during the timed phase (of `cores`). */
  machineBusyCores: number;
  consumersCreated: number;
  consumersExpected: number;
  failures: number;
  /** What the failed clients were answered, grouped. */
  errors: string[];
  /** Error lines the services logged during the timed phase, grouped by service and message. */
  serverErrors: string[];
}

interface Sample {
  connect: number;
  join: number;
  ready: number;
  consumers: number;
}

/** Users of the benchmark get distinct ids in every scenario (the rooms service keeps seats). */
let userSerial = 0;

/** Publishers seeded into a room before the joins: each has a send transport with 2 producers. */
async function seedPublishers(
  stack: RunningCascadeStack,
  roomId: string,
  count: number,
  clients: SignalingClient[],
): Promise<void> {
  for (let p = 0; p < count; p++) {
    const user = `u_pub${++userSerial}`;
    const client = await stack.connect(p % stack.gatewayUrls.length, {
      tenant: TENANT,
      user,
      room: roomId,
      name: `Publisher ${user}`,
    });
    clients.push(client);
    await client.call('room.join', {}, REQUEST_TIMEOUT_MS);
    const send = await client.call('transport.create', { direction: 'send' }, REQUEST_TIMEOUT_MS);
    const ssrc = 10_000 + userSerial * 10;
    await client.call(
      'producer.create',
      {
        transportId: send.transportId,
        kind: 'audio',
        source: 'microphone',
        rtpParameters: opusRtpParameters(ssrc),
      },
      REQUEST_TIMEOUT_MS,
    );
    await client.call(
      'producer.create',
      {
        transportId: send.transportId,
        kind: 'video',
        source: 'camera',
        rtpParameters: vp8RtpParameters(ssrc + 1),
      },
      REQUEST_TIMEOUT_MS,
    );
  }
}

export async function createRooms(
  stack: RunningCascadeStack,
  withRooms: boolean,
  count: number,
  capacity: number,
): Promise<string[]> {
  const ids: string[] = [];
  for (let r = 0; r < count; r++) {
    ids.push(
      withRooms
        ? (await stack.createRoom(TENANT, OWNER, { capacity, title: `Bench room ${r + 1}` })).id
        : `r_bench_${randomBytes(6).toString('hex')}`,
    );
  }
  return ids;
}

/** Leaves the room (so that no session waits out the resume grace) and closes the socket. */
export async function leaveAll(clients: SignalingClient[]): Promise<void> {
  await inBatches(clients.length, 100, async (i) => {
    const client = clients[i]!;
    if (client.connected) await client.request('room.leave', {}, 15_000).catch(() => undefined);
    client.close();
  });
}

/**
 * Joins `scenario.clients` clients to `scenario.rooms` fresh rooms (client i to room i mod
 * rooms, through gateway i mod gateways), each room seeded with publishers, and times every
 * client from `io()` to its join ack and to its last consumer.
 */
export async function runJoinScenario(
  stack: RunningCascadeStack,
  stackLabel: string,
  withRooms: boolean,
  scenario: JoinScenario,
  publishersPerRoom: number,
  /** Before the clock starts, wait until the stack's processes are at most this busy (cores). */
  quietCores: number,
): Promise<JoinScenarioResult> {
  const gateways = stack.gatewayUrls.length;
  const name = `${scenario.mode === 'burst' ? 'burst' : 'one at a time'}: ${scenario.clients} clients, ${scenario.rooms} room${scenario.rooms > 1 ? 's' : ''}`;
  const roomIds = await createRooms(stack, withRooms, scenario.rooms, scenario.clients + 50);
  const publishers: SignalingClient[] = [];
  const joined: SignalingClient[] = [];
  const errors = new Map<string, number>();
  const fail = (error: unknown) => {
    const text = error instanceof Error ? error.message : String(error);
    errors.set(text, (errors.get(text) ?? 0) + 1);
    return undefined;
  };
  try {
    for (const roomId of roomIds)
      await seedPublishers(stack, roomId, publishersPerRoom, publishers);
    // Tokens are minted before the clock starts (signing is the identity service's work).
    const tokens = Array.from({ length: scenario.clients }, (_, i) =>
      stack.mintJoinToken({
        tenant: TENANT,
        user: `u_join${++userSerial}`,
        room: roomIds[i % roomIds.length]!,
        name: `Joiner ${i}`,
      }),
    );
    await sleep(300);
    const quiesceMs = await quiesce(stackProcesses(stack.processes), quietCores);

    const one = async (i: number): Promise<Sample | undefined> => {
      const started = performance.now();
      const client = await SignalingClient.withToken(stack.gatewayUrls[i % gateways]!, tokens[i]!, {
        timeoutMs: REQUEST_TIMEOUT_MS,
      });
      joined.push(client);
      const connected = performance.now();
      const join = await client.call('room.join', {}, REQUEST_TIMEOUT_MS);
      const joinedAt = performance.now();
      const recv = await client.call('transport.create', { direction: 'recv' }, REQUEST_TIMEOUT_MS);
      const consumers = await Promise.all(
        join.producers.map((p) =>
          client.call(
            'consumer.create',
            {
              transportId: recv.transportId,
              producerId: p.producerId,
              rtpCapabilities: join.rtpCapabilities,
            },
            REQUEST_TIMEOUT_MS,
          ),
        ),
      );
      const ready = performance.now();
      return {
        connect: connected - started,
        join: joinedAt - started,
        ready: ready - started,
        consumers: consumers.length,
      };
    };

    const metricsBefore = await scrape(stack.processes);
    const marks = outputMarks(stack.processes);
    const cpu = new CpuWindow(stackProcesses(stack.processes));
    const wallStart = performance.now();
    let samples: Array<Sample | undefined>;
    if (scenario.mode === 'burst') {
      samples = await Promise.all(
        Array.from({ length: scenario.clients }, (_, i) => one(i).catch(fail)),
      );
    } else {
      samples = [];
      for (let i = 0; i < scenario.clients; i++) samples.push(await one(i).catch(fail));
    }
    const wallMs = performance.now() - wallStart;
    const { cpuMs, machineBusyCores } = cpu.read();
    const metricsAfter = await scrape(stack.processes);
    const serverErrors = errorLines(stack.processes, marks);
    const serverMeansMs: Record<string, number> = {};
    for (const method of ['room.join', 'transport.create', 'consumer.create'])
      serverMeansMs[`gateway ${method}`] = histogramMeanMs(
        metricsBefore,
        metricsAfter,
        'gateway_request_duration_seconds',
        'method',
        method,
      ).meanMs;
    for (const op of ['participant.join', 'consumer.prepare'])
      serverMeansMs[`orchestrator ${op}`] = histogramMeanMs(
        metricsBefore,
        metricsAfter,
        'orchestrator_request_duration_seconds',
        'op',
        op,
      ).meanMs;
    const ok = samples.filter((s): s is Sample => s !== undefined);
    return {
      ...scenario,
      name,
      stack: stackLabel,
      gateways,
      sfuNodes: stack.sfuNodes.length,
      publishersPerRoom,
      producersPerRoom: publishersPerRoom * 2,
      connectMs: distribution(ok.map((s) => s.connect)),
      joinMs: distribution(ok.map((s) => s.join)),
      readyMs: distribution(ok.map((s) => s.ready)),
      mediaMs: distribution(ok.map((s) => s.ready - s.join)),
      wallMs,
      quiesceMs,
      serverMeansMs,
      cpuMs,
      machineBusyCores,
      consumersCreated: ok.reduce((sum, s) => sum + s.consumers, 0),
      consumersExpected: scenario.clients * publishersPerRoom * 2,
      failures: scenario.clients - ok.length,
      errors: [...errors].map(([text, n]) => `${n}× ${text}`),
      serverErrors,
    };
  } finally {
    await leaveAll(joined);
    await leaveAll(publishers);
    // Let the leaves finish behind the gateway (orchestrator, node, rooms) before what follows.
    await sleep(1_000);
  }
}
