import { execFileSync } from 'node:child_process';

import { SfuNodeClient } from '@cascade/sfu-client';
import {
  type Subjects,
  SfuNodeEvent,
  SfuNodeHeartbeat,
  SfuRoomEvent,
  createSubjects,
  wireJson,
} from '@cascade/contracts';
import { ServiceProcess, useInfrastructure, waitFor } from '@cascade/testing';
import { type NatsConnection, connect } from '@nats-io/transport-node';

const json = wireJson;

export interface RunningSfuNode {
  id: string;
  process: ServiceProcess;
  client: SfuNodeClient;
}

type Captured = { room: SfuRoomEvent[]; node: SfuNodeEvent[]; heartbeats: SfuNodeHeartbeat[] };

/**
 * A cluster of real sfu-node processes on real NATS for one suite: `spawn(id)` starts a node
 * (one worker unless told otherwise) and waits until it is ready; every room event, node event
 * and heartbeat on the suite's subject prefix is captured, validated against the contracts, for
 * assertions with `waitForEvent`.
 */
export function useSfuCluster() {
  const infra = useInfrastructure({ nats: true });
  const nodes: RunningSfuNode[] = [];
  const captured: Captured = { room: [], node: [], heartbeats: [] };
  let nc: NatsConnection | undefined;
  let subjects: Subjects | undefined;

  beforeAll(async () => {
    nc = await connect({ servers: infra().env['NATS_URL']! });
    subjects = createSubjects(infra().env['NATS_SUBJECT_PREFIX']);
    const capture = <T>(subject: string, parse: (v: unknown) => T, into: T[]) => {
      const sub = nc!.subscribe(subject);
      void (async () => {
        for await (const msg of sub) into.push(parse(json.decode(msg.data)));
      })();
    };
    capture(subjects.sfuRoomEventsAll(), (v) => SfuRoomEvent.parse(v), captured.room);
    capture(subjects.sfuNodeEventsAll(), (v) => SfuNodeEvent.parse(v), captured.node);
    capture(subjects.sfuHeartbeatAll(), (v) => SfuNodeHeartbeat.parse(v), captured.heartbeats);
  });

  afterEach(async () => {
    // A test that stopped a node leaves it stopped; the others keep running for the suite.
    for (let i = nodes.length - 1; i >= 0; i--) {
      const node = nodes[i]!;
      if (node.process.child.exitCode !== null || node.process.child.signalCode !== null)
        nodes.splice(i, 1);
    }
  });

  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.process.kill()));
    await nc?.close();
  });

  return {
    get nc() {
      return nc!;
    },
    get subjects() {
      return subjects!;
    },
    captured,
    nodes,
    async spawn(id: string, env: Record<string, string> = {}): Promise<RunningSfuNode> {
      const process = await ServiceProcess.spawn('sfu-node', {
        ...infra().env,
        SFU_NODE_ID: id,
        MEDIASOUP_NUM_WORKERS: '1',
        SFU_ROOM_LINGER_MS: '200',
        SFU_HEARTBEAT_INTERVAL_MS: '500',
        ...env,
      });
      const client = new SfuNodeClient(nc!, subjects!, id, { timeoutMs: 5_000 });
      const node = { id, process, client };
      nodes.push(node); // stopped in afterAll even when it never gets ready
      await process.waitForReadiness(200);
      // Ready means NATS answers; the control subscription starts right after the connection.
      await waitFor(`${id} control API`, async () =>
        (await client.admin({ op: 'status' })).state === 'serving' ? true : undefined,
      );
      return node;
    },
    async waitForEvent<T extends keyof Captured>(
      kind: T,
      predicate: (e: Captured[T][number]) => boolean,
      what = `a ${kind} event`,
      timeoutMs = 10_000,
    ): Promise<Captured[T][number]> {
      return waitFor(
        what,
        async () => (captured[kind] as Array<Captured[T][number]>).find(predicate),
        { timeoutMs, intervalMs: 50 },
      );
    },
  };
}

/** mediasoup-worker processes that a node process runs. */
export function workerPids(parentPid: number): number[] {
  const out = execFileSync('ps', ['--ppid', String(parentPid), '-o', 'pid=,comm='], {
    encoding: 'utf8',
  });
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, comm]) => comm?.startsWith('mediasoup-work'))
    .map(([pid]) => Number(pid));
}
