import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  type Room,
  type RoomView,
  type Subjects,
  createSubjects,
  wireJson,
} from '@cascade/contracts';
import { OrchestratorClient } from '@cascade/sfu-client';
import { type ServiceName, ServiceProcess, TcpProxy, waitFor } from '@cascade/testing';
import { Redis } from 'ioredis';
import { type NatsConnection, connect } from '@nats-io/transport-node';
import { Client as PgClient } from 'pg';

import {
  API_AUDIENCE,
  ISSUER,
  type JoinTokenOptions,
  TokenAuthority,
} from '../../../services/gateway/test/support/tokens';
import { DATA_PORT_BASE, DataServices } from './infra';

/**
 * The whole Cascade a drill breaks, as production runs it (every timeout at its default): the
 * rooms service, two orchestrator replicas, two sfu-nodes and two gateways, each a real process
 * from its `dist/` build, on fixed ports of the drills' own (HTTP 3600-3606, media UDP/TCP
 * 26000-26999), against PostgreSQL, Redis and NATS servers of its own ({@link DataServices},
 * 3610-3612, fresh for each stack), under the prefix `drills`.
 *
 * Every service reaches PostgreSQL, Redis and NATS through a {@link TcpProxy} of the harness
 * (3620-3622), so that a drill can cut one off (`cut('redis')`) without stopping the server;
 * the harness's own connections (admin, Redis reads) go straight to them and keep working
 * during a cut. The join and access tokens' keys are served on 3630 (JWKS).
 */
export type Dependency = 'redis' | 'nats' | 'postgres';
export type ProcessName =
  | 'gateway-1'
  | 'gateway-2'
  | 'rooms'
  | 'orchestrator-1'
  | 'orchestrator-2'
  | 'sfu-node-1'
  | 'sfu-node-2';

export const PREFIX = 'drills';
const HTTP_BASE = Number(process.env['CASCADE_HTTP_PORT_BASE'] ?? 3600);
const MEDIA_BASE = Number(process.env['CASCADE_MEDIA_PORT_BASE'] ?? 26_000);
const PROXY_PORT_BASE = DATA_PORT_BASE + 10;
const JWKS_PORT = DATA_PORT_BASE + 20;
const DATABASE = `${PREFIX}_rooms`;
/** Where {@link DrillStack.dumpLogs} writes the processes' whole output. */
const LOG_DIR = process.env['DRILLS_LOG_DIR'] ?? join(tmpdir(), 'cascade-drills-logs');
export const REDIS_KEY_PREFIX = `${PREFIX}:`;
export const TENANT = 'drills';

export interface DrillStackOptions {
  /** Extra environment per process kind. */
  gatewayEnv?: Record<string, string>;
  sfuNodeEnv?: Record<string, string>;
  orchestratorEnv?: Record<string, string>;
  /** Spread a room over both nodes (placement by load) instead of keeping it on one. */
  spread?: boolean;
}

interface Spec {
  service: ServiceName;
  env: Record<string, string>;
}

const hostPort = (url: string) => {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port) };
};

export class DrillStack {
  readonly processes = new Map<ProcessName, ServiceProcess>();
  readonly #specs = new Map<ProcessName, Spec>();
  readonly proxies: Record<Dependency, TcpProxy>;
  readonly nc: NatsConnection;
  readonly subjects: Subjects;
  readonly redis: Redis;
  readonly tokens: TokenAuthority;
  readonly jwksUrl = `http://127.0.0.1:${JWKS_PORT}/.well-known/jwks.json`;
  readonly data: DataServices;
  readonly #jwks: Server;
  readonly orchestrator: OrchestratorClient;
  /** Output of the processes that were killed (for diagnostics). */
  readonly graveyard: Array<{ name: string; output: string }> = [];

  private constructor(parts: {
    data: DataServices;
    proxies: Record<Dependency, TcpProxy>;
    nc: NatsConnection;
    redis: Redis;
    tokens: TokenAuthority;
    jwks: Server;
  }) {
    this.data = parts.data;
    this.#jwks = parts.jwks;
    this.proxies = parts.proxies;
    this.nc = parts.nc;
    this.redis = parts.redis;
    this.tokens = parts.tokens;
    this.subjects = createSubjects(PREFIX);
    this.orchestrator = new OrchestratorClient(this.nc, this.subjects, { timeoutMs: 3_000 });
  }

  static async start(options: DrillStackOptions = {}): Promise<DrillStack> {
    const data = await DataServices.start();
    let stack: DrillStack;
    try {
      await createDatabase(data.pgAdminUrl);
      const at = (url: string, i: number) => {
        const { host, port } = hostPort(url);
        return TcpProxy.start(host, port, PROXY_PORT_BASE + i);
      };
      const proxies = {
        redis: await at(data.redisUrl, 0),
        nats: await at(data.natsUrl, 1),
        postgres: await at(data.pgAdminUrl, 2),
      };
      const tokens = await TokenAuthority.start();
      stack = new DrillStack({
        data,
        proxies,
        nc: await connect({ servers: data.natsUrl }),
        redis: new Redis(data.redisUrl, { keyPrefix: REDIS_KEY_PREFIX }),
        tokens,
        jwks: await serveJwks(tokens),
      });
    } catch (error) {
      await data.stop();
      throw error;
    }
    stack.#answerTenantSettings();
    try {
      await stack.#spawnAll(options);
    } catch (error) {
      const output = stack.dumpLogs(30);
      await stack.stop();
      throw new Error(`the drill stack did not start: ${String(error)}\n${output}`, {
        cause: error,
      });
    }
    return stack;
  }

  /**
   * Identity's part that rooms asks over NATS when a room is created (the tenant's settings):
   * answered here with the defaults, so that identity need not run (without an answer, every
   * room creation waits out rooms' ROOMS_IDENTITY_TIMEOUT_MS).
   */
  #answerTenantSettings(): void {
    const codec = wireJson;
    const sub = this.nc.subscribe(this.subjects.identityTenantSettings());
    void (async () => {
      for await (const msg of sub)
        msg.respond(
          codec.encode({
            ok: true,
            data: { maxRoomCapacity: 1000, allowedOrigins: [], chatRetentionDays: null },
          }),
        );
    })();
  }

  async #spawnAll(options: DrillStackOptions): Promise<void> {
    const common = {
      NODE_ENV: 'development',
      NATS_URL: this.proxies.nats.rewrite(this.data.natsUrl).replace(/\/$/, ''),
      NATS_SUBJECT_PREFIX: PREFIX,
    } as Record<string, string>;
    if (process.env['MEDIASOUP_WORKER_BIN'])
      common['MEDIASOUP_WORKER_BIN'] = process.env['MEDIASOUP_WORKER_BIN'];
    // Node's own options for every service (the services get exactly the environment given
    // here): by default a deprecation warning prints where it came from (it costs nothing until
    // one is emitted, and one seen once in ten minutes of soak is otherwise hard to place);
    // DRILLS_NODE_OPTIONS replaces them.
    common['NODE_OPTIONS'] = process.env['DRILLS_NODE_OPTIONS'] ?? '--trace-deprecation';
    const redis = {
      REDIS_URL: this.proxies.redis.rewrite(this.data.redisUrl).replace(/\/$/, ''),
      REDIS_KEY_PREFIX,
    };
    const dbUrl = new URL(this.proxies.postgres.rewrite(this.data.pgAdminUrl));
    dbUrl.pathname = `/${DATABASE}`;
    const spread: { node: Record<string, string>; orch: Record<string, string> } = options.spread
      ? { node: { SFU_MAX_STREAMS: '40' }, orch: { ORCH_STICKY_THRESHOLD: '0.05' } }
      : { node: {}, orch: {} };
    const node = (n: 1 | 2) => ({
      ...common,
      SFU_NODE_ID: `${PREFIX}-n${n}`,
      MEDIASOUP_NUM_WORKERS: '1',
      SFU_WEBRTC_PORT_BASE: String(MEDIA_BASE + 100 * (n - 1)),
      MEDIASOUP_RTC_MIN_PORT: String(MEDIA_BASE + 200 + 400 * (n - 1)),
      MEDIASOUP_RTC_MAX_PORT: String(MEDIA_BASE + 599 + 400 * (n - 1)),
      SFU_LISTEN_IP: '127.0.0.1',
      SFU_ANNOUNCED_ADDRESS: '127.0.0.1',
      SFU_DRAIN_GRACE_MS: '0',
      HTTP_PORT: String(HTTP_BASE + 4 + n),
      ...spread.node,
      ...options.sfuNodeEnv,
    });
    const orchestrator = (n: 1 | 2) => ({
      ...common,
      ...redis,
      HTTP_PORT: String(HTTP_BASE + 2 + n),
      ...spread.orch,
      ...options.orchestratorEnv,
    });
    const gateway = (n: 1 | 2) => ({
      ...common,
      ...redis,
      GATEWAY_AUTH_JWKS_URL: this.jwksUrl,
      GATEWAY_AUTH_ISSUER: ISSUER,
      HTTP_PORT: String(HTTP_BASE + n - 1),
      ...options.gatewayEnv,
    });
    this.#specs.set('rooms', {
      service: 'rooms',
      env: {
        ...common,
        ...redis,
        DATABASE_URL: dbUrl.toString(),
        ROOMS_AUTH_JWKS_URL: this.jwksUrl,
        ROOMS_AUTH_ISSUER: ISSUER,
        ROOMS_AUTH_AUDIENCE: API_AUDIENCE,
        ROOMS_RATE_LIMIT_PER_MINUTE: '10000',
        ROOMS_ADDRESS_RATE_LIMIT_PER_MINUTE: '100000',
        HTTP_PORT: String(HTTP_BASE + 2),
      },
    });
    this.#specs.set('sfu-node-1', { service: 'sfu-node', env: node(1) });
    this.#specs.set('sfu-node-2', { service: 'sfu-node', env: node(2) });
    this.#specs.set('orchestrator-1', { service: 'sfu-orchestrator', env: orchestrator(1) });
    this.#specs.set('orchestrator-2', { service: 'sfu-orchestrator', env: orchestrator(2) });
    this.#specs.set('gateway-1', { service: 'gateway', env: gateway(1) });
    this.#specs.set('gateway-2', { service: 'gateway', env: gateway(2) });
    // Rooms first: it migrates its database before the others ask it anything.
    await this.spawn('rooms');
    await Promise.all(
      (['sfu-node-1', 'sfu-node-2', 'orchestrator-1', 'orchestrator-2'] as const).map((n) =>
        this.spawn(n),
      ),
    );
    await Promise.all((['gateway-1', 'gateway-2'] as const).map((n) => this.spawn(n)));
    await this.waitForNodes();
  }

  /** Starts (or starts again, after a kill) one process and waits until it is ready. */
  async spawn(name: ProcessName, timeoutMs = 90_000): Promise<ServiceProcess> {
    const spec = this.#specs.get(name)!;
    const proc = await ServiceProcess.spawn(spec.service, spec.env);
    this.processes.set(name, proc);
    await proc.waitForReadiness(200, timeoutMs);
    return proc;
  }

  process(name: ProcessName): ServiceProcess {
    const proc = this.processes.get(name);
    if (!proc) throw new Error(`${name} is not running`);
    return proc;
  }

  /** `kill -9`: resolves once the process is gone, with the moment the signal was sent. */
  async kill(name: ProcessName): Promise<number> {
    const proc = this.process(name);
    const at = Date.now();
    proc.child.kill('SIGKILL');
    await proc.exited;
    this.graveyard.push({ name: `${name}.killed-${at}`, output: proc.output });
    this.processes.delete(name);
    return at;
  }

  /** Starts a killed process again (same id, ports and configuration). */
  async restart(name: ProcessName): Promise<void> {
    // The killed process's mediasoup workers and sockets may take a moment to go.
    await waitFor(
      `${name} to start again`,
      async () => {
        try {
          await this.spawn(name, 60_000);
          return true;
        } catch (error) {
          this.processes.get(name)?.child.kill('SIGKILL');
          this.processes.delete(name);
          throw error;
        }
      },
      { timeoutMs: 120_000, intervalMs: 1_000 },
    );
    if (name.startsWith('sfu-node')) await this.waitForNodes();
  }

  get gatewayUrls(): string[] {
    return [this.process('gateway-1').url, this.process('gateway-2').url];
  }

  /** `http://127.0.0.1:<port>` of gateway 1 and 2, whether running or not. */
  gatewayUrl(n: 1 | 2): string {
    return `http://127.0.0.1:${HTTP_BASE + n - 1}`;
  }

  nodeId(name: 'sfu-node-1' | 'sfu-node-2'): string {
    return this.#specs.get(name)!.env['SFU_NODE_ID']!;
  }

  processOfNode(nodeId: string): 'sfu-node-1' | 'sfu-node-2' {
    return nodeId === this.nodeId('sfu-node-1') ? 'sfu-node-1' : 'sfu-node-2';
  }

  /** The process ids of every running service (a restart changes one). */
  pids(): Record<string, number | undefined> {
    return Object.fromEntries([...this.processes].map(([n, p]) => [n, p.child.pid]));
  }

  /** Every process still alive (none exited by itself). */
  exited(): string[] {
    return [...this.processes]
      .filter(([, p]) => p.child.exitCode !== null || p.child.signalCode !== null)
      .map(([n]) => n);
  }

  async cut(dependency: Dependency): Promise<number> {
    const at = Date.now();
    await this.proxies[dependency].cut();
    return at;
  }

  async restore(dependency: Dependency): Promise<number> {
    await this.proxies[dependency].restore();
    return Date.now();
  }

  /** Until the orchestrator lists both nodes alive (so that joins can be placed on either). */
  async waitForNodes(): Promise<void> {
    const want = [this.nodeId('sfu-node-1'), this.nodeId('sfu-node-2')].sort().join(',');
    await waitFor(
      `the orchestrator to see nodes ${want} alive`,
      async () => {
        const { nodes } = await this.orchestrator.admin({ op: 'nodes.list' });
        const alive = nodes
          .filter((n) => n.state === 'serving')
          .map((n) => n.nodeId)
          .sort()
          .join(',');
        return alive === want ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
  }

  async roomView(roomId: string): Promise<RoomView> {
    return this.orchestrator.admin({ op: 'room.get', tenantId: TENANT, roomId });
  }

  /** The orchestrator process holding the room's lease (each logs its id when it starts). */
  async leaderOf(roomId: string): Promise<{ owner: string; name: ProcessName } | undefined> {
    const owner = await this.redis.get(`orch:lease:${TENANT}/${roomId}`);
    if (!owner) return undefined;
    const name = (['orchestrator-1', 'orchestrator-2'] as const).find((n) =>
      this.processes.get(n)?.output.includes(owner),
    );
    return name ? { owner, name } : undefined;
  }

  joinToken(o: Omit<JoinTokenOptions, 'tenant'>): string {
    return this.tokens.mintJoinToken({ tenant: TENANT, ...o });
  }

  accessToken(user: string): string {
    return this.tokens.mintAccessToken(TENANT, user);
  }

  /** A public room created through the rooms API, owned by `owner`. */
  async createRoom(owner: string, capacity = 20): Promise<Room> {
    const started = Date.now();
    const res = await fetch(`${this.process('rooms').url}/rooms`, {
      signal: AbortSignal.timeout(30_000),
      method: 'POST',
      headers: {
        authorization: `Bearer ${this.accessToken(owner)}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        title: `Drill ${randomUUID().slice(0, 8)}`,
        language: 'en',
        visibility: 'public',
        capacity,
      }),
    });
    const body = (await res.json()) as Room;
    if (res.status !== 201)
      throw new Error(`room not created (${res.status}): ${JSON.stringify(body)}`);
    if (Date.now() - started > 3_000)
      process.stderr.write(`drills: creating a room took ${Date.now() - started} ms\n`);
    return body;
  }

  /**
   * The end of every process's output (for a failure message); the whole output of each, and of
   * the processes killed so far, goes to files under `LOG_DIR` (named in the result).
   */
  dumpLogs(lines = 60): string {
    const dir = join(LOG_DIR, new Date().toISOString().replace(/[:.]/g, '-'));
    mkdirSync(dir, { recursive: true });
    for (const { name, output } of this.graveyard) writeFileSync(join(dir, `${name}.log`), output);
    for (const [name, p] of this.processes) writeFileSync(join(dir, `${name}.log`), p.output);
    return [
      ...this.graveyard.map(
        ({ name, output }) => `── ${name} ──\n${output.split('\n').slice(-lines).join('\n')}`,
      ),
      ...[...this.processes].map(([n, p]) => `── ${n} (${p.url}) ──\n${p.tail(lines)}`),
      `(whole outputs in ${dir})`,
    ].join('\n');
  }

  async stop(): Promise<void> {
    await Promise.all([...this.processes.values()].map((p) => p.kill()));
    this.processes.clear();
    for (const proxy of Object.values(this.proxies)) await proxy.stop();
    await this.nc.close().catch(() => undefined);
    await new Promise<void>((resolve) => this.#jwks.close(() => resolve()));
    this.redis.disconnect();
    await this.data.stop();
  }
}

/**
 * The token authority's JWKS, served again on the drills' fixed port (its own server listens on
 * an ephemeral port, which may fall in a range other work on the machine uses).
 */
async function serveJwks(tokens: TokenAuthority): Promise<Server> {
  const jwks = await (await fetch(tokens.jwksUrl)).text();
  await tokens.close();
  const server = createServer((req, res) => {
    if (req.url === '/.well-known/jwks.json')
      res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(JWKS_PORT, '127.0.0.1', () => resolve());
  });
  return server;
}

/** The rooms service's database on the drills' own PostgreSQL. */
async function createDatabase(adminUrl: string): Promise<void> {
  const pg = new PgClient({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  await pg.connect();
  try {
    await pg.query(`CREATE DATABASE "${DATABASE}"`);
  } finally {
    await pg.end();
  }
}
