import {
  type OrchestratorAdminOp,
  type OrchestratorAdminRequest,
  type OrchestratorAdminResult,
  type OrchestratorOp,
  type OrchestratorRequest,
  type OrchestratorResult,
  OrchestratorRoomEvent,
  type Subjects,
  createSubjects,
  wireJson,
} from '@cascade/contracts';
import { OrchestratorClient, SfuNodeClient } from '@cascade/sfu-client';
import { FAST_ORCHESTRATOR, ServiceProcess, useInfrastructure, waitFor } from '@cascade/testing';
import { type NatsConnection, connect } from '@nats-io/transport-node';

const json = wireJson;

export interface RunningNode {
  id: string;
  process: ServiceProcess;
  client: SfuNodeClient;
}

/**
 * Real NATS and Redis, real sfu-node processes and real orchestrator processes for one suite,
 * with the orchestrator's request and admin APIs and every orchestrator room event captured.
 */
export function useOrchestratorCluster() {
  const infra = useInfrastructure({ nats: true, redis: true });
  const nodes = new Map<string, RunningNode>();
  const orchestrators: ServiceProcess[] = [];
  const roomEvents: OrchestratorRoomEvent[] = [];
  let nc: NatsConnection | undefined;
  let subjects: Subjects | undefined;
  let orchestrator: OrchestratorClient | undefined;

  beforeAll(async () => {
    nc = await connect({ servers: infra().env['NATS_URL']! });
    subjects = createSubjects(infra().env['NATS_SUBJECT_PREFIX']);
    orchestrator = new OrchestratorClient(nc, subjects, { timeoutMs: 10_000 });
    const sub = nc.subscribe(subjects.roomEventsAll());
    void (async () => {
      for await (const msg of sub) {
        const parsed = OrchestratorRoomEvent.safeParse(json.decode(msg.data));
        if (parsed.success) roomEvents.push(parsed.data);
      }
    })();
  });

  afterAll(async () => {
    if (process.env['CASCADE_TEST_SHOW_LOGS']) {
      for (const o of orchestrators) console.log(o.output.split('\n').slice(-80).join('\n'));
    }
    await Promise.all(
      [...orchestrators, ...[...nodes.values()].map((n) => n.process)].map((p) => p.kill()),
    );
    await nc?.close();
  });

  const cluster = {
    /** The variables that point a process at this suite's NATS and Redis. */
    get env() {
      return infra().env;
    },
    get nc() {
      return nc!;
    },
    get subjects() {
      return subjects!;
    },
    nodes,
    roomEvents,
    orchestrators,

    async spawnNode(id: string, env: Record<string, string> = {}): Promise<RunningNode> {
      const process = await ServiceProcess.spawn('sfu-node', {
        ...infra().env,
        SFU_NODE_ID: id,
        MEDIASOUP_NUM_WORKERS: '1',
        SFU_ROOM_LINGER_MS: '200',
        SFU_HEARTBEAT_INTERVAL_MS: '300',
        ...env,
      });
      const client = new SfuNodeClient(nc!, subjects!, id, { timeoutMs: 5_000 });
      const node = { id, process, client };
      nodes.set(id, node); // stopped after the suite even when it never gets ready
      await process.waitForReadiness(200);
      return node;
    },

    async spawnOrchestrator(env: Record<string, string> = {}): Promise<ServiceProcess> {
      const process = await ServiceProcess.spawn('sfu-orchestrator', {
        ...infra().env,
        ...FAST_ORCHESTRATOR,
        ...env,
      });
      orchestrators.push(process);
      await process.waitForReadiness(200);
      return process;
    },

    /** The gateway's and operators' client of the orchestrator. */
    get orchestrator() {
      return orchestrator!;
    },

    request<O extends OrchestratorOp>(
      op: O,
      payload: Omit<Extract<OrchestratorRequest, { op: O }>, 'op'>,
    ): Promise<OrchestratorResult<O>> {
      return orchestrator!.request(op, payload);
    },

    admin<O extends OrchestratorAdminOp>(
      request: Extract<OrchestratorAdminRequest, { op: O }>,
    ): Promise<OrchestratorAdminResult<O>> {
      return orchestrator!.admin(request);
    },

    /** Until the orchestrator's registry lists exactly `ids` (in any state). */
    async waitForNodes(ids: string[]): Promise<void> {
      const want = [...ids].sort().join(',');
      await waitFor(`the orchestrator to see nodes ${want}`, async () => {
        const { nodes: seen } = await cluster.admin({ op: 'nodes.list' });
        return seen.map((n) => n.nodeId).join(',') === want ? true : undefined;
      });
    },
  };
  return cluster;
}
