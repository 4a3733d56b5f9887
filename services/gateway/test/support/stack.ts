import { randomUUID } from 'node:crypto';

import { type Room, type Subjects, createSubjects } from '@cascade/contracts';
import { OrchestratorClient } from '@cascade/sfu-client';
import {
  FAST_ORCHESTRATOR,
  type Infrastructure,
  type RedisClusterHandle,
  type ServiceName,
  ServiceProcess,
  provisionInfrastructure,
  startRedisCluster,
  waitFor,
} from '@cascade/testing';
import { type NatsConnection, connect } from '@nats-io/transport-node';
import { Client as PgClient } from 'pg';

import { type ConnectOptions, SignalingClient } from './signaling-client';
import { API_AUDIENCE, ISSUER, type JoinTokenOptions, TokenAuthority } from './tokens';

export * from './signaling-client';
export * from './tokens';
export {
  FAST_ORCHESTRATOR,
  fakeDtlsParameters,
  opusRtpParameters,
  vp8RtpParameters,
} from '@cascade/testing';

type PerInstance = Record<string, string> | ((index: number) => Record<string, string>);

export interface StackOptions {
  /** Gateway instances (default 2). */
  gateways?: number;
  /** SFU nodes, ids `n1`, `n2`… (default 1; 0 for a signaling-only stack without media). */
  sfuNodes?: number;
  /** The real rooms service authorizing joins (default true; false sets GATEWAY_AUTHORIZE_JOINS=false). */
  rooms?: boolean;
  /** Default 3000: resume tests wait out the grace period. */
  resumeGraceMs?: number;
  /** Streams an SFU node takes before it counts as full (small values spread a room over nodes). */
  sfuMaxStreams?: number;
  /** The orchestrator keeps placing a room on its nodes while under this load (default 0.7). */
  orchestratorStickyThreshold?: number;
  gatewayEnv?: PerInstance;
  sfuNodeEnv?: PerInstance;
  orchestratorEnv?: Record<string, string>;
  roomsEnv?: Record<string, string>;
  /** How long to wait for every process to be ready (default 90 s). */
  startTimeoutMs?: number;
  /**
   * A Redis Cluster of the stack's own (three masters) instead of the suite's Redis: every
   * service on Redis gets `REDIS_MODE=cluster` and the cluster's seeds (default false).
   */
  redisCluster?: boolean;
}

export interface CreateRoomOptions {
  capacity?: number;
  viewerCapacity?: number;
  visibility?: 'public' | 'private';
  title?: string;
  /**
   * A room id of the test's choosing, written straight into the rooms database (the API picks
   * ids itself): for two tenants that have a room with the same id.
   */
  id?: string;
}

export interface CascadeStack {
  infra: Infrastructure;
  /** The stack's Redis Cluster, with `redisCluster: true`. */
  redisCluster: RedisClusterHandle | undefined;
  tokens: TokenAuthority;
  gateways: ServiceProcess[];
  /** `http://127.0.0.1:<port>` of each gateway instance, in order. */
  gatewayUrls: string[];
  orchestrator: ServiceProcess | undefined;
  /** SFU node `n<i + 1>` is `sfuNodes[i]`. */
  sfuNodes: ServiceProcess[];
  rooms: ServiceProcess | undefined;
  /** Every process of the stack (for output on failure, or to kill one in a test). */
  processes: ServiceProcess[];
  /** A NATS connection on the stack's subject prefix, and its subjects. */
  nc: NatsConnection;
  subjects: Subjects;
  mintJoinToken(options: JoinTokenOptions): string;
  createRoom(tenant: string, ownerUser: string, options?: CreateRoomOptions): Promise<Room>;
  /** A raw signaling client on gateway `gateway` (index), with a join token minted from `token`. */
  connect(
    gateway: number,
    token: JoinTokenOptions,
    options?: ConnectOptions,
  ): Promise<SignalingClient>;
  /**
   * A raw user connection (handshake `accessToken`, in no room) on gateway `gateway` (index),
   * with an access token minted for the user.
   */
  connectUser(
    gateway: number,
    who: { tenant: string; user: string },
    options?: ConnectOptions,
  ): Promise<SignalingClient>;
  /** Prints the last lines of every process's output. */
  dumpLogs(lines?: number): void;
}

export interface RunningCascadeStack extends CascadeStack {
  /** Kills every process, closes the JWKS server and NATS, drops the suite's infrastructure. */
  stop(): Promise<void>;
}

/**
 * The whole signaling path with real processes: PostgreSQL, Redis and NATS of its own (a
 * database, key prefix and subject prefix), a JWKS server with keys that mint join and access
 * tokens, the rooms service, the orchestrator, SFU nodes and N gateway instances, all spawned
 * from their `dist/` builds (build first). When start-up fails, everything started is stopped
 * and the error carries the end of every process's output. For benchmarks and scripts; Jest
 * suites use {@link useCascadeStack}.
 */
export async function startCascadeStack(options: StackOptions = {}): Promise<RunningCascadeStack> {
  const withRooms = options.rooms ?? true;
  const timeoutMs = options.startTimeoutMs ?? 90_000;
  const processes: ServiceProcess[] = [];
  let infra: Infrastructure | undefined;
  let redisCluster: RedisClusterHandle | undefined;
  let tokens: TokenAuthority | undefined;
  let nc: NatsConnection | undefined;
  const stop = async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await nc?.close().catch(() => undefined);
    await tokens?.close();
    await redisCluster?.stop();
    await infra?.teardown();
  };
  const spawn = async (service: ServiceName, env: Record<string, string>) => {
    const proc = await ServiceProcess.spawn(service, env);
    processes.push(proc); // stopped with the stack even if it never gets ready
    return proc;
  };
  const per = (env: PerInstance | undefined, index: number) =>
    typeof env === 'function' ? env(index) : (env ?? {});

  try {
    infra = await provisionInfrastructure({
      postgres: withRooms,
      redis: !options.redisCluster,
      nats: true,
    });
    if (options.redisCluster) redisCluster = await startRedisCluster();
    tokens = await TokenAuthority.start();
    const base = { ...infra.env, ...redisCluster?.env };
    nc = await connect({ servers: base['NATS_URL']! });
    const subjects = createSubjects(base['NATS_SUBJECT_PREFIX']);

    const nodeIds = Array.from({ length: options.sfuNodes ?? 1 }, (_, i) => `n${i + 1}`);
    const ready: Array<Promise<unknown>> = [];
    let rooms: ServiceProcess | undefined;
    if (withRooms) {
      rooms = await spawn('rooms', {
        ...base,
        ROOMS_AUTH_JWKS_URL: tokens.jwksUrl,
        ROOMS_AUTH_ISSUER: ISSUER,
        ROOMS_AUTH_AUDIENCE: API_AUDIENCE,
        ROOMS_RATE_LIMIT_PER_MINUTE: '10000',
        ROOMS_ADDRESS_RATE_LIMIT_PER_MINUTE: '100000',
        ...options.roomsEnv,
      });
      ready.push(rooms.waitForReadiness(200, timeoutMs));
    }
    const sfuNodes: ServiceProcess[] = [];
    for (const [index, id] of nodeIds.entries()) {
      const node = await spawn('sfu-node', {
        ...base,
        SFU_NODE_ID: id,
        MEDIASOUP_NUM_WORKERS: '1',
        SFU_ROOM_LINGER_MS: '200',
        SFU_HEARTBEAT_INTERVAL_MS: '300',
        ...(options.sfuMaxStreams ? { SFU_MAX_STREAMS: String(options.sfuMaxStreams) } : {}),
        ...per(options.sfuNodeEnv, index),
      });
      sfuNodes.push(node);
      ready.push(node.waitForReadiness(200, timeoutMs));
    }
    let orchestrator: ServiceProcess | undefined;
    if (nodeIds.length > 0) {
      orchestrator = await spawn('sfu-orchestrator', {
        ...base,
        ...FAST_ORCHESTRATOR,
        ...(options.orchestratorStickyThreshold !== undefined
          ? { ORCH_STICKY_THRESHOLD: String(options.orchestratorStickyThreshold) }
          : {}),
        ...options.orchestratorEnv,
      });
      ready.push(orchestrator.waitForReadiness(200, timeoutMs));
    }
    const gateways: ServiceProcess[] = [];
    for (let index = 0; index < (options.gateways ?? 2); index++) {
      const gateway = await spawn('gateway', {
        ...base,
        GATEWAY_AUTH_JWKS_URL: tokens.jwksUrl,
        GATEWAY_AUTH_ISSUER: ISSUER,
        GATEWAY_AUTHORIZE_JOINS: String(withRooms),
        GATEWAY_RESUME_GRACE_MS: String(options.resumeGraceMs ?? 3_000),
        // Every test client connects from 127.0.0.1: one suite's handshakes must not hit the limit.
        GATEWAY_HANDSHAKE_RATE_LIMIT_PER_MINUTE: '100000',
        ...per(options.gatewayEnv, index),
      });
      gateways.push(gateway);
      ready.push(gateway.waitForReadiness(200, timeoutMs));
    }
    await Promise.all(ready);
    if (nodeIds.length > 0) await waitForNodes(nc, subjects, nodeIds);

    const authority = tokens;
    const databaseUrl = base['DATABASE_URL'];
    const gatewayUrls = gateways.map((g) => g.url);
    return {
      infra,
      redisCluster,
      tokens: authority,
      gateways,
      gatewayUrls,
      orchestrator,
      sfuNodes,
      rooms,
      processes,
      nc,
      subjects,
      mintJoinToken: (o) => authority.mintJoinToken(o),
      createRoom: async (tenant, ownerUser, o = {}) => {
        if (!rooms || !databaseUrl) throw new Error('this stack runs without the rooms service');
        if (o.id !== undefined) return insertRoom(databaseUrl, tenant, ownerUser, o);
        return createRoomThroughApi(rooms, authority.mintAccessToken(tenant, ownerUser), o);
      },
      connect: (gateway, token, connectOptions) =>
        SignalingClient.withToken(
          gatewayUrl(gatewayUrls, gateway),
          authority.mintJoinToken(token),
          connectOptions,
        ),
      connectUser: (gateway, who, connectOptions) =>
        SignalingClient.connect(
          gatewayUrl(gatewayUrls, gateway),
          { accessToken: authority.mintAccessToken(who.tenant, who.user) },
          connectOptions,
        ),
      dumpLogs: (lines = 60) => dumpLogs(processes, lines),
      stop,
    };
  } catch (error) {
    const output = processes.map((p) => `── ${p.service} ──\n${p.tail(30)}`).join('\n');
    await stop();
    throw new Error(`the stack did not start: ${String(error)}\n${output}`, { cause: error });
  }
}

/**
 * {@link startCascadeStack} for one Jest suite: started before its tests, stopped after them
 * (also when start-up failed half-way). The object's fields are usable inside tests and hooks.
 */
export function useCascadeStack(options: StackOptions = {}): CascadeStack {
  let running: RunningCascadeStack | undefined;
  beforeAll(
    async () => {
      running = await startCascadeStack(options);
    },
    (options.startTimeoutMs ?? 90_000) + 60_000,
  );
  afterAll(async () => {
    if (running && process.env['CASCADE_TEST_SHOW_LOGS']) running.dumpLogs(80);
    await running?.stop();
  }, 60_000);
  const current = (): RunningCascadeStack => {
    if (!running) throw new Error('the stack is not started yet (use it inside a test or hook)');
    return running;
  };
  return new Proxy({} as CascadeStack, {
    get: (_target, field) => current()[field as keyof CascadeStack],
  });
}

async function createRoomThroughApi(
  rooms: ServiceProcess,
  accessToken: string,
  o: CreateRoomOptions,
): Promise<Room> {
  const res = await rooms.fetch('/rooms', {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      title: o.title ?? `Room ${randomUUID().slice(0, 8)}`,
      language: 'en',
      visibility: o.visibility ?? 'public',
      ...(o.capacity !== undefined ? { capacity: o.capacity } : {}),
      ...(o.viewerCapacity !== undefined ? { viewerCapacity: o.viewerCapacity } : {}),
    }),
  });
  const body = (await res.json()) as Room;
  if (res.status !== 201)
    throw new Error(`room not created (${res.status}): ${JSON.stringify(body)}`);
  return body;
}

function gatewayUrl(urls: string[], gateway: number): string {
  const url = urls[gateway];
  if (!url) throw new Error(`no gateway ${gateway}: the stack has ${urls.length}`);
  return url;
}

function dumpLogs(processes: ServiceProcess[], lines: number): void {
  for (const p of processes) console.log(`── ${p.service} (${p.url}) ──\n${p.tail(lines)}`);
}

/** Until the orchestrator's registry lists every node (so that joins can be placed). */
async function waitForNodes(nc: NatsConnection, subjects: Subjects, ids: string[]): Promise<void> {
  const orchestrator = new OrchestratorClient(nc, subjects, { timeoutMs: 3_000 });
  const want = [...ids].sort().join(',');
  await waitFor(
    `the orchestrator to see nodes ${want}`,
    async () => {
      const { nodes } = await orchestrator.admin({ op: 'nodes.list' });
      return nodes
        .map((n) => n.nodeId)
        .sort()
        .join(',') === want
        ? true
        : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
}

async function insertRoom(
  databaseUrl: string,
  tenant: string,
  owner: string,
  o: CreateRoomOptions,
): Promise<Room> {
  const client = new PgClient({ connectionString: databaseUrl });
  await client.connect();
  try {
    const title = o.title ?? `Room ${o.id}`;
    const capacity = o.capacity ?? 50;
    const viewerCapacity = o.viewerCapacity ?? 100;
    const visibility = o.visibility ?? 'public';
    await client.query(
      `INSERT INTO rooms
         (tenant_id, id, owner_id, title, language, capacity, viewer_capacity, visibility)
       VALUES ($1, $2, $3, $4, 'en', $5, $6, $7::"RoomVisibility")`,
      [tenant, o.id, owner, title, capacity, viewerCapacity, visibility],
    );
    const now = new Date().toISOString();
    return {
      id: o.id!,
      tenantId: tenant,
      ownerId: owner,
      title,
      topic: null,
      language: 'en',
      capacity,
      viewerCapacity,
      visibility,
      status: 'active',
      participantCount: 0,
      previewUserIds: [],
      myRole: null,
      createdAt: now,
      lastActiveAt: now,
    };
  } finally {
    await client.end();
  }
}
