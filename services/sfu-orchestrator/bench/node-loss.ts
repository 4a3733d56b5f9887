/**
 * How long the orchestrator takes to declare a killed SFU node lost: real NATS and Redis, one
 * orchestrator with production timings (ORCH_NODE_SUSPECT_MS 1.5 s, ORCH_NODE_DEAD_MS 10 s),
 * and for each round a fresh sfu-node (heartbeats every second) that holds one participant and is
 * killed with SIGKILL at a random moment of its heartbeat cycle. Reports, per round and as
 * percentiles, the time from the kill to the orchestrator's "SFU node lost" log line and to the
 * participant's `participant.reconnectRequired`, and the node's silence when it was declared.
 *
 *   cd services/sfu-orchestrator && npm run build -w @cascade/sfu-node -w @cascade/sfu-orchestrator
 *   node ../../packages/testing/src/browser/run-ts.js bench/node-loss.ts [--rounds 10] [--no-write]
 *
 * Writes bench-results/orchestrator-node-loss.json and .md at the repository root.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { OrchestratorRoomEvent, createSubjects, wireJson } from '@cascade/contracts';
import { OrchestratorClient } from '@cascade/sfu-client';
import {
  REPO_ROOT,
  ServiceProcess,
  benchMachine,
  eventually,
  provisionInfrastructure,
  writeFormatted,
} from '@cascade/testing';
import { connect } from '@nats-io/transport-node';

const json = wireJson;
const ORCHESTRATOR_ENV = {
  ORCH_NODE_SUSPECT_MS: '1500',
  ORCH_NODE_PROBE_TIMEOUT_MS: '1000',
  ORCH_NODE_STALE_MS: '5000',
  ORCH_NODE_DEAD_MS: '10000',
  ORCH_WARMUP_MS: '1000',
};
const HEARTBEAT_MS = 1_000;

interface Round {
  round: number;
  /** From the kill to the orchestrator's log line. */
  declaredMs: number;
  /** From the kill to the participant's reconnectRequired on NATS. */
  reconnectMs: number;
  /** The node's silence (since its last heartbeat) when it was declared. */
  silentMs: number;
  why: string;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    strict: false,
    options: { rounds: { type: 'string' }, 'no-write': { type: 'boolean' } },
  });
  const rounds = typeof values.rounds === 'string' ? Number.parseInt(values.rounds, 10) : 10;
  const machine = benchMachine();
  const infra = await provisionInfrastructure({ nats: true, redis: true });
  const processes: ServiceProcess[] = [];
  const nc = await connect({ servers: infra.env['NATS_URL']! });
  try {
    const subjects = createSubjects(infra.env['NATS_SUBJECT_PREFIX']);
    const told = new Map<string, number>();
    const sub = nc.subscribe(subjects.roomEventsAll());
    void (async () => {
      for await (const msg of sub) {
        const event = OrchestratorRoomEvent.safeParse(json.decode(msg.data));
        if (event.success && event.data.type === 'participant.reconnectRequired')
          told.set(event.data.participantId, Date.now());
      }
    })();
    const orchestrator = await ServiceProcess.spawn('sfu-orchestrator', {
      ...infra.env,
      ...ORCHESTRATOR_ENV,
    });
    processes.push(orchestrator);
    await orchestrator.waitForReadiness(200);
    const client = new OrchestratorClient(nc, subjects, { timeoutMs: 10_000 });
    const answered = async () => {
      const text = await (await orchestrator.fetch('/metrics')).text();
      return Number(
        /^orchestrator_node_probes_total\{[^}]*outcome="answered"[^}]*\} (\d+)/m.exec(text)?.[1] ??
          0,
      );
    };

    const results: Round[] = [];
    for (let round = 1; round <= rounds; round++) {
      const nodeId = `loss-${round}`;
      const before = await answered();
      const node = await ServiceProcess.spawn('sfu-node', {
        ...infra.env,
        SFU_NODE_ID: nodeId,
        MEDIASOUP_NUM_WORKERS: '1',
        SFU_HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_MS),
      });
      processes.push(node);
      await node.waitForReadiness(200);
      await eventually(`${nodeId} known and answering`, answered, (n) => n > before);
      const participantId = `p${round}`;
      const placed = await client.request('participant.join', {
        tenantId: 'bench',
        roomId: `room-${round}`,
        participantId,
      });
      if (placed.nodeId !== nodeId) throw new Error(`placed on ${placed.nodeId}, not ${nodeId}`);
      // A random moment of the node's heartbeat cycle.
      await new Promise((r) => setTimeout(r, Math.random() * HEARTBEAT_MS));

      const killedAt = Date.now();
      await node.signal('SIGKILL');
      const log = await eventually(
        `${nodeId} declared lost`,
        () => orchestrator.logs.find((l) => l['msg'] === 'SFU node lost' && l['nodeId'] === nodeId),
        Boolean,
        { timeoutMs: 20_000, intervalMs: 10 },
      );
      const declaredAt = Date.now();
      await eventually('reconnectRequired', () => told.get(participantId), Boolean, {
        timeoutMs: 10_000,
        intervalMs: 10,
      });
      const result = {
        round,
        declaredMs: declaredAt - killedAt,
        reconnectMs: told.get(participantId)! - killedAt,
        silentMs: Number(log!['silentMs']),
        why: String(log!['why']),
      };
      results.push(result);
      console.log(
        `round ${round}: declared ${result.why} ${result.declaredMs} ms after the kill ` +
          `(silent ${result.silentMs} ms), reconnectRequired after ${result.reconnectMs} ms`,
      );
    }

    const summary = {
      declaredMs: percentiles(results.map((r) => r.declaredMs)),
      reconnectMs: percentiles(results.map((r) => r.reconnectMs)),
      silentMs: percentiles(results.map((r) => r.silentMs)),
      unreachable: results.filter((r) => r.why === 'unreachable').length,
    };
    console.log(JSON.stringify(summary));
    if (!values['no-write']) {
      const dir = join(REPO_ROOT, 'bench-results');
      const report = {
        benchmark: 'orchestrator-node-loss',
        date: new Date().toISOString(),
        machine,
        conditions: {
          ...ORCHESTRATOR_ENV,
          SFU_HEARTBEAT_INTERVAL_MS: HEARTBEAT_MS,
          rounds,
          note: 'one orchestrator and one sfu-node at a time on this machine, local NATS; the node holds one participant and is killed with SIGKILL at a random moment of its heartbeat cycle',
        },
        summary,
        rounds: results,
      };
      await writeFormatted(join(dir, 'orchestrator-node-loss.json'), JSON.stringify(report));
      await writeFormatted(join(dir, 'orchestrator-node-loss.md'), markdown(report));
      console.log('wrote bench-results/orchestrator-node-loss.json and .md');
    }
  } finally {
    await Promise.all(processes.map((p) => p.kill()));
    await nc.close();
    await infra.teardown();
  }
}

function percentiles(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { min: sorted[0]!, p50: at(0.5), p90: at(0.9), max: sorted[sorted.length - 1]! };
}

function markdown(report: {
  date: string;
  machine: ReturnType<typeof benchMachine>;
  conditions: Record<string, unknown>;
  summary: {
    declaredMs: ReturnType<typeof percentiles>;
    reconnectMs: ReturnType<typeof percentiles>;
    silentMs: ReturnType<typeof percentiles>;
    unreachable: number;
  };
  rounds: Round[];
}): string {
  const row = (label: string, p: ReturnType<typeof percentiles>) =>
    `| ${label} | ${p.min} | ${p.p50} | ${p.p90} | ${p.max} |`;
  const s = report.summary;
  return [
    '# Orchestrator: detecting a killed SFU node',
    '',
    `${report.date}; ${report.machine.cpuModel}, ${report.machine.cores} cores; ` +
      `\`services/sfu-orchestrator/bench/node-loss.ts\`.`,
    '',
    'One orchestrator (ORCH_NODE_SUSPECT_MS 1.5 s, ORCH_NODE_PROBE_TIMEOUT_MS 1 s, ' +
      'ORCH_NODE_DEAD_MS 10 s) and, per round, a fresh sfu-node heartbeating every second that ' +
      'holds one participant and is killed with SIGKILL at a random moment of its heartbeat ' +
      'cycle. Before the liveness probe the orchestrator waited out ORCH_NODE_DEAD_MS: 10 to 11 s.',
    '',
    `Declared \`unreachable\` (by the probe) in ${s.unreachable} of ${report.rounds.length} rounds.`,
    '',
    '| ms | min | p50 | p90 | max |',
    '| --- | --- | --- | --- | --- |',
    row('kill → declared lost (log line)', s.declaredMs),
    row('kill → `participant.reconnectRequired`', s.reconnectMs),
    row('last heartbeat → declared lost', s.silentMs),
    '',
  ].join('\n');
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
