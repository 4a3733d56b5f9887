import { type KeyObject, generateKeyPairSync, randomUUID, sign } from 'node:crypto';

import { createSubjects } from '@cascade/contracts';
import { OrchestratorClient } from '@cascade/sfu-client';
import { connect } from '@nats-io/transport-node';

import { type Infrastructure, provisionInfrastructure } from './infrastructure';
import { waitFor } from './net';
import { type ServiceName, ServiceProcess } from './service-process';
import { FAST_ORCHESTRATOR } from './test-params';

export interface CallStackOptions {
  /** Extra environment of each process. */
  gatewayEnv?: Record<string, string>;
  sfuNodeEnv?: Record<string, string>;
  orchestratorEnv?: Record<string, string>;
  /** How long every process may take to be ready (default 90 s). */
  startTimeoutMs?: number;
}

export interface CallTokenOptions {
  tenant: string;
  /** Any room id: rooms are not asked (the gateway does not authorize joins here). */
  room: string;
  user: string;
  /** The display name the token carries. */
  name?: string;
}

export interface CallStack {
  /** `http://127.0.0.1:<port>` of the gateway. */
  gatewayUrl: string;
  gateway: ServiceProcess;
  sfuNode: ServiceProcess;
  orchestrator: ServiceProcess;
  /** A join token the gateway accepts (join, publish and subscribe; ten minutes). */
  joinToken(options: CallTokenOptions): string;
  /** Prints the last lines of every process's output. */
  dumpLogs(lines?: number): void;
}

export interface RunningCallStack extends CallStack {
  /** Kills every process and drops the suite's infrastructure. */
  stop(): Promise<void>;
}

/**
 * The smallest Cascade that carries a call, for client SDK suites: NATS and Redis of its own
 * (a subject and a key prefix), one SFU node (one worker), the orchestrator and one gateway,
 * each a real process from its `dist/` build, and a signing key the gateway trusts
 * (`GATEWAY_AUTH_PUBLIC_KEYS`) to mint join tokens with. The rooms service and PostgreSQL are
 * left out: the gateway admits any valid join token (`GATEWAY_AUTHORIZE_JOINS=false`). Resolves
 * once the orchestrator knows the node, so that joins can be placed. Jest suites use
 * {@link useCallStack}.
 */
export async function startCallStack(options: CallStackOptions = {}): Promise<RunningCallStack> {
  const timeoutMs = options.startTimeoutMs ?? 90_000;
  const processes: ServiceProcess[] = [];
  let infra: Infrastructure | undefined;
  const stop = async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await infra?.teardown();
  };
  const spawn = async (service: ServiceName, env: Record<string, string>) => {
    const proc = await ServiceProcess.spawn(service, env);
    processes.push(proc); // stopped with the stack even if it never gets ready
    return proc;
  };
  try {
    infra = await provisionInfrastructure({ redis: true, nats: true });
    const base = infra.env;
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const sfuNode = await spawn('sfu-node', {
      ...base,
      SFU_NODE_ID: 'n1',
      MEDIASOUP_NUM_WORKERS: '1',
      SFU_ROOM_LINGER_MS: '200',
      SFU_HEARTBEAT_INTERVAL_MS: '300',
      ...options.sfuNodeEnv,
    });
    const orchestrator = await spawn('sfu-orchestrator', {
      ...base,
      ...FAST_ORCHESTRATOR,
      ...options.orchestratorEnv,
    });
    const gateway = await spawn('gateway', {
      ...base,
      GATEWAY_AUTH_PUBLIC_KEYS: keys.publicKey.export({ type: 'spki', format: 'pem' }) as string,
      GATEWAY_AUTHORIZE_JOINS: 'false',
      // Every bot connects from 127.0.0.1.
      GATEWAY_HANDSHAKE_RATE_LIMIT_PER_MINUTE: '100000',
      ...options.gatewayEnv,
    });
    await Promise.all(processes.map((p) => p.waitForReadiness(200, timeoutMs)));
    await waitForNode(base, 'n1');
    return {
      gatewayUrl: gateway.url,
      gateway,
      sfuNode,
      orchestrator,
      joinToken: (o) => mintJoinToken(keys.privateKey, o),
      dumpLogs: (lines = 60) => {
        for (const p of processes) console.log(`── ${p.service} (${p.url}) ──\n${p.tail(lines)}`);
      },
      stop,
    };
  } catch (error) {
    const output = processes.map((p) => `── ${p.service} ──\n${p.tail(30)}`).join('\n');
    await stop();
    throw new Error(`the call stack did not start: ${String(error)}\n${output}`, {
      cause: error,
    });
  }
}

/**
 * {@link startCallStack} for one Jest suite: started before its tests, stopped after them (with
 * every process's output printed when `CASCADE_TEST_SHOW_LOGS` is set). The object's fields are
 * usable inside tests and hooks.
 */
export function useCallStack(options: CallStackOptions = {}): CallStack {
  let running: RunningCallStack | undefined;
  beforeAll(
    async () => {
      running = await startCallStack(options);
    },
    (options.startTimeoutMs ?? 90_000) + 60_000,
  );
  afterAll(async () => {
    if (running && process.env['CASCADE_TEST_SHOW_LOGS']) running.dumpLogs(80);
    await running?.stop();
  }, 60_000);
  return new Proxy({} as CallStack, {
    get: (_target, field) => {
      if (!running) throw new Error('the call stack is not started yet (use it in a test or hook)');
      return running[field as keyof CallStack];
    },
  });
}

/** A join token as identity signs it (RS256, audience `cascade-join`). */
function mintJoinToken(key: KeyObject, o: CallTokenOptions): string {
  const now = Math.floor(Date.now() / 1_000);
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({
    iss: 'cascade-identity',
    aud: 'cascade-join',
    sub: o.user,
    tenant: o.tenant,
    ...(o.name === undefined ? {} : { name: o.name }),
    grants: { room: o.room, join: true, publish: true, subscribe: true, admin: false },
    iat: now,
    exp: now + 600,
    jti: randomUUID(),
  })}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

/** Until the orchestrator's registry lists the node (so that joins can be placed). */
async function waitForNode(env: Record<string, string>, nodeId: string): Promise<void> {
  const nc = await connect({ servers: env['NATS_URL']! });
  try {
    const orchestrator = new OrchestratorClient(nc, createSubjects(env['NATS_SUBJECT_PREFIX']), {
      timeoutMs: 3_000,
    });
    await waitFor(
      `the orchestrator to see node ${nodeId}`,
      async () => {
        const { nodes } = await orchestrator.admin({ op: 'nodes.list' });
        return nodes.some((n) => n.nodeId === nodeId) ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
  } finally {
    await nc.close();
  }
}
