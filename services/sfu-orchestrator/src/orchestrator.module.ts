import { randomBytes } from 'node:crypto';

import {
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  CascadeError,
  ORCHESTRATOR_MAX_BYTES,
  OrchestratorRequest,
  OrchestratorResults,
  QUEUE_GROUPS,
  type SfuNodeDump,
  SfuNodeEvent,
  SfuNodeHeartbeat,
  SfuRoomEvent,
  type Subjects,
  createSubjects,
  errorReply,
  okReply,
  parseOrThrow,
} from '@cascade/contracts';
import {
  MetricsService,
  NatsBus,
  ReadinessRegistry,
  REDIS,
  type RedisClient,
  SERVICE_CONFIG,
  SERVICE_INFO,
  type ServiceInfo,
  typedError,
} from '@cascade/server-kit';
import { SfuNodeClient } from '@cascade/sfu-client';
import { type Msg, type NatsConnection } from '@nats-io/transport-node';
import { Counter, Gauge, Histogram } from 'prom-client';

import { AdminApi } from './admin/admin-api';
import type { OrchestratorConfig } from './config';
import { Placement } from './placement/placement';
import { placementSettings } from './placement/placement-config';
import { registerCapacityMetrics } from './registry/capacity-metrics';
import { natsProber } from './registry/nats-prober';
import { NodeLiveness } from './registry/node-liveness';
import { type LostReason, NodeRegistry } from './registry/node-registry';
import { type NodeCalls, RoomCoordinator } from './rooms/room-coordinator';
import { RoomDispatcher } from './rooms/room-dispatcher';
import { RoomLeases } from './rooms/room-leases';
import { RoomStore } from './rooms/room-store';

/** Room events that change the orchestrator's view of a room (the rest are for the gateway). */
const ROOM_EVENTS_OF_INTEREST = new Set<SfuRoomEvent['type']>([
  'producer.created',
  'producer.closed',
  'producer.paused',
  'producer.resumed',
  'consumer.closed',
]);

/**
 * The orchestrator process: the node registry fed by heartbeats, the room dispatcher fed by the
 * gateway's requests and the nodes' events, the admin API, and the timers that find dead nodes,
 * renew leases and reconcile after a start. NATS stays here; decisions live in plain classes.
 */
@Injectable()
class Orchestrator implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('orchestrator');
  readonly registry: NodeRegistry;
  readonly liveness: NodeLiveness;
  readonly placement: Placement;
  readonly #subjects: Subjects;
  readonly #instanceId: string;
  readonly #leases: RoomLeases;
  readonly #store: RoomStore;
  readonly #dispatcher: RoomDispatcher;
  readonly #admin: AdminApi;
  readonly #clients = new Map<string, SfuNodeClient>();
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #requests: Counter<'op' | 'outcome'>;
  readonly #decisions: Histogram<'op'>;
  readonly #lost: Counter<'why'>;
  readonly #returned: Counter;
  /** The handling of each node's loss while it runs (a return waits for it). */
  readonly #losing = new Map<string, Promise<void>>();
  readonly #detection: Histogram<'why'>;
  #nc: NatsConnection | undefined;
  #warm = false;

  constructor(
    private readonly bus: NatsBus,
    @Inject(REDIS) redis: RedisClient,
    @Inject(SERVICE_CONFIG) private readonly config: OrchestratorConfig,
    @Inject(SERVICE_INFO) info: ServiceInfo,
    metrics: MetricsService,
    readiness: ReadinessRegistry,
  ) {
    this.#subjects = createSubjects(config.NATS_SUBJECT_PREFIX);
    this.#instanceId = `${info.instanceId.slice(0, 48)}-${randomBytes(4).toString('hex')}`;
    this.registry = new NodeRegistry({
      staleAfterMs: config.ORCH_NODE_STALE_MS,
      deadAfterMs: config.ORCH_NODE_DEAD_MS,
    });
    this.liveness = new NodeLiveness(
      this.registry,
      natsProber(() => this.#nc!, this.#subjects, config.ORCH_NODE_PROBE_TIMEOUT_MS),
      {
        suspectAfterMs: config.ORCH_NODE_SUSPECT_MS,
        probeIntervalMs: config.ORCH_NODE_PROBE_TIMEOUT_MS,
      },
    );
    this.placement = new Placement(placementSettings(config));
    this.#store = new RoomStore(redis);
    this.#leases = new RoomLeases(redis, this.#instanceId, config.ORCH_ROOM_LEASE_MS);
    const nodes: NodeCalls = {
      request: (nodeId, op, payload) => this.#client(nodeId).request(op, payload),
    };
    const coordinator = new RoomCoordinator(
      this.registry,
      this.placement,
      nodes,
      { roomEvent: (e) => this.bus.publish(this.#subjects.roomEvents(e.tenantId, e.roomId), e) },
      {
        info: (obj, msg) => this.logger.log({ ...obj, msg }),
        warn: (obj, msg) => this.logger.warn({ ...obj, msg }),
      },
      { pipeLingerMs: config.ORCH_PIPE_LINGER_MS },
    );
    this.#dispatcher = new RoomDispatcher(
      this.#store,
      this.#leases,
      coordinator,
      () => this.#nc!,
      this.#subjects,
      config.ORCH_REQUEST_TIMEOUT_MS,
    );
    this.#admin = new AdminApi(this.registry, this.placement, this.#store, (nodeId, op) =>
      this.#client(nodeId).admin({ op }),
    );
    this.registry.on('lost', (nodeId, why, silentMs) => {
      const handled = this.#nodeLost(nodeId, why, silentMs).finally(() => {
        if (this.#losing.get(nodeId) === handled) this.#losing.delete(nodeId);
      });
      this.#losing.set(nodeId, handled);
    });
    this.registry.on('returned', (nodeId, absentMs) => void this.#nodeReturned(nodeId, absentMs));

    this.#requests = new Counter({
      name: 'orchestrator_requests_total',
      help: 'Orchestrator requests by operation and outcome (ok or error code)',
      labelNames: ['op', 'outcome'] as const,
      registers: [metrics.registry],
    });
    this.#decisions = new Histogram({
      name: 'orchestrator_request_duration_seconds',
      help: 'Time to answer an orchestrator request, by operation',
      labelNames: ['op'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [metrics.registry],
    });
    const probes = new Counter({
      name: 'orchestrator_node_probes_total',
      help: 'Liveness probes of SFU nodes by outcome (answered, no-responders, no-answer)',
      labelNames: ['outcome'] as const,
      registers: [metrics.registry],
    });
    this.liveness.on('probed', (_nodeId, outcome) => probes.inc({ outcome }));
    this.#lost = new Counter({
      name: 'orchestrator_nodes_lost_total',
      help: 'SFU nodes declared lost, by why (silent, restarted, unreachable)',
      labelNames: ['why'] as const,
      registers: [metrics.registry],
    });
    this.#returned = new Counter({
      name: 'orchestrator_nodes_returned_total',
      help: 'SFU nodes declared lost that were heard again (their process lived on), each reconciled',
      registers: [metrics.registry],
    });
    this.#detection = new Histogram({
      name: 'orchestrator_node_lost_silence_seconds',
      help: 'How long a node had been silent when it was declared lost, by why',
      labelNames: ['why'] as const,
      buckets: [0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 20, 30],
      registers: [metrics.registry],
    });
    const registry = this.registry;
    new Gauge({
      name: 'orchestrator_nodes',
      help: 'SFU nodes known to this replica, by state',
      labelNames: ['state'] as const,
      registers: [metrics.registry],
      collect() {
        this.reset();
        for (const { heartbeat } of registry.snapshots())
          this.inc({ state: registry.state(heartbeat.nodeId) ?? 'unknown' });
      },
    });
    registerCapacityMetrics(
      metrics.registry,
      this.registry,
      this.placement,
      config.ORCH_OVERLOAD_THRESHOLD,
    );
    readiness.register({
      name: 'node-registry',
      check: async () => {
        if (!this.#warm) throw new Error('listening to SFU node heartbeats (warm-up)');
      },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    const s = this.#subjects;
    const queue = { queue: QUEUE_GROUPS.orchestrator };
    this.bus.subscribe(s.sfuHeartbeatAll(), (msg) => {
      const heartbeat = SfuNodeHeartbeat.safeParse(NatsBus.decode(msg));
      if (heartbeat.success) this.registry.observe(heartbeat.data);
    });
    this.bus.subscribe(s.orchestratorRequests(), (msg) => this.#request(msg), queue);
    this.bus.serve(s.orchestratorAdmin(), (body) => this.#admin.handle(body), queue);
    this.bus.serve(s.orchestratorInstance(this.#instanceId), (body) =>
      this.#dispatcher.forwarded(body),
    );
    this.bus.subscribe(s.sfuRoomEventsAll(), (msg) => this.#roomEvent(msg), queue);
    this.bus.subscribe(s.sfuNodeEventsAll(), (msg) => this.#nodeEvent(msg), queue);
    this.#nc = await this.bus.connected();
    this.registry.connectionUp();
    this.liveness.connectionUp();
    void this.#followConnection(this.#nc);

    this.#every(1_000, () => this.registry.sweep());
    // Fine-grained, so a probe goes out within a tenth of ORCH_NODE_SUSPECT_MS of the suspicion.
    this.#every(
      Math.max(50, Math.min(250, Math.floor(this.config.ORCH_NODE_SUSPECT_MS / 10))),
      () => this.liveness.check(),
    );
    this.#every(Math.max(100, Math.floor(this.config.ORCH_ROOM_LEASE_MS / 3)), () =>
      this.#leases.renew(),
    );
    const warmup = setTimeout(() => void this.#warmedUp(), this.config.ORCH_WARMUP_MS);
    this.#timers.push(warmup);
    this.logger.log(`orchestrator ${this.#instanceId} listening on ${s.orchestratorRequests()}`);
  }

  async onApplicationShutdown(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#dispatcher.close();
    await this.#leases.releaseAll();
  }

  /** After the warm-up every live node has been heard: check the stored rooms against them. */
  async #warmedUp(): Promise<void> {
    this.#warm = true;
    const rooms = await this.#store.rooms().catch(() => []);
    for (const { tenantId, roomId } of rooms) {
      await this.#dispatcher
        .run(tenantId, roomId, { work: 'reconcile' })
        .catch((error: unknown) =>
          this.logger.warn({ roomId, error: String(error), msg: 'reconcile failed' }),
        );
    }
    if (rooms.length) this.logger.log({ rooms: rooms.length, msg: 'reconciled stored rooms' });
  }

  async #request(msg: Msg): Promise<void> {
    let op = 'invalid';
    const started = process.hrtime.bigint();
    await this.#respond(
      msg,
      async () => {
        if (msg.data.length > ORCHESTRATOR_MAX_BYTES)
          throw new CascadeError(
            'INVALID_ARGUMENT',
            `request is ${msg.data.length} bytes; the limit is ${ORCHESTRATOR_MAX_BYTES}`,
          );
        const request = parseOrThrow(
          OrchestratorRequest,
          NatsBus.decode(msg),
          'orchestrator request',
        );
        op = request.op;
        const result = await this.#dispatcher.run(request.tenantId, request.roomId, {
          work: 'request',
          request,
        });
        return OrchestratorResults[request.op].parse(result);
      },
      (outcome) => {
        this.#requests.inc({ op, outcome });
        this.#decisions.observe({ op }, Number(process.hrtime.bigint() - started) / 1e9);
      },
    );
  }

  async #roomEvent(msg: Msg): Promise<void> {
    const parsed = SfuRoomEvent.safeParse(NatsBus.decode(msg));
    if (!parsed.success || !ROOM_EVENTS_OF_INTEREST.has(parsed.data.type)) return;
    const event = parsed.data;
    await this.#dispatcher
      .run(event.tenantId, event.roomId, { work: 'room-event', event })
      .catch((error: unknown) =>
        this.logger.warn({ roomId: event.roomId, type: event.type, error: String(error) }),
      );
  }

  async #nodeEvent(msg: Msg): Promise<void> {
    const parsed = SfuNodeEvent.safeParse(NatsBus.decode(msg));
    if (!parsed.success || parsed.data.type !== 'worker.died') return;
    const { nodeId, lost } = parsed.data;
    for (const { tenantId, roomId, participantIds } of lost) {
      await this.#dispatcher
        .run(tenantId, roomId, { work: 'participants-lost', nodeId, participantIds })
        .catch((error: unknown) => this.logger.warn({ roomId, error: String(error) }));
    }
  }

  /**
   * Liveness conclusions and the heartbeat timeout need a steady connection: they pause while
   * NATS is away from this replica, and count silence from its reconnection (a NATS outage must
   * not make it declare live nodes dead and place their participants again).
   */
  async #followConnection(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') {
        this.logger.warn('NATS connection lost: node liveness paused until it is back');
        this.registry.connectionDown();
        this.liveness.connectionDown();
      } else if (status.type === 'reconnect') {
        this.logger.log('NATS connection back: node silence counts from now');
        this.registry.connectionUp();
        this.liveness.connectionUp();
      }
    }
  }

  async #nodeLost(nodeId: string, why: LostReason, silentMs: number): Promise<void> {
    this.logger.warn({ nodeId, why, silentMs, msg: 'SFU node lost' });
    this.#lost.inc({ why });
    this.#detection.observe({ why }, silentMs / 1_000);
    this.placement.forget(nodeId);
    this.#clients.delete(nodeId);
    const rooms = await this.#store.roomsOnNode(nodeId).catch(() => []);
    // Every room at once (each room's work is still serialized by the dispatcher), so that the
    // last room's participants are not told to reconnect after everyone else's.
    await Promise.all(
      rooms.map(({ tenantId, roomId }) =>
        this.#dispatcher
          .run(tenantId, roomId, { work: 'node-lost', nodeId })
          .catch((error: unknown) => this.logger.warn({ roomId, nodeId, error: String(error) })),
      ),
    );
  }

  /**
   * A node declared lost is heard again: its process lived on (cut off from NATS) with the
   * rooms, transports and pipes of participants placed elsewhere since. Each room it holds is
   * reconciled as that room's work (`node-returned`): what the room does not place there is
   * closed on it. Every replica that had declared it lost does this; it is idempotent.
   */
  async #nodeReturned(nodeId: string, absentMs: number): Promise<void> {
    this.#returned.inc();
    // Its loss first: a room's participants leave the node in the state before the node is
    // told to close what the state does not place there.
    await this.#losing.get(nodeId);
    let rooms: SfuNodeDump['rooms'];
    try {
      rooms = (await this.#client(nodeId).request('node.dump', {})).rooms;
    } catch (error) {
      // Silent again: it will be declared lost again, and reconciled when it is back again.
      this.logger.warn({ nodeId, error: String(error), msg: 'returning SFU node did not answer' });
      return;
    }
    this.logger.warn({
      nodeId,
      absentMs,
      rooms: rooms.length,
      msg: 'SFU node declared lost is back',
    });
    await Promise.all(
      rooms.map(({ tenantId, roomId }) =>
        this.#dispatcher
          .run(tenantId, roomId, { work: 'node-returned', nodeId })
          .catch((error: unknown) => this.logger.warn({ roomId, nodeId, error: String(error) })),
      ),
    );
  }

  async #respond(
    msg: Msg,
    work: () => Promise<unknown>,
    done: (outcome: string) => void = () => undefined,
  ): Promise<void> {
    try {
      const data = await work();
      done('ok');
      NatsBus.respond(msg, okReply(data));
    } catch (error) {
      // Redis (rooms' state, leases) out of reach is NODE_UNAVAILABLE (try again), not INTERNAL.
      const typed = typedError(error);
      const reply = errorReply(typed);
      if (typed !== error) this.logger.warn({ error: String(error), msg: 'request failed' });
      else if (!(error instanceof CascadeError))
        this.logger.error({ error: String(error), msg: 'request failed' });
      done(reply.ok ? 'ok' : reply.error.code);
      NatsBus.respond(msg, reply);
    }
  }

  #client(nodeId: string): SfuNodeClient {
    let client = this.#clients.get(nodeId);
    if (!client) {
      if (!this.#nc) throw new CascadeError('NODE_UNAVAILABLE', 'not connected to NATS yet');
      client = new SfuNodeClient(this.#nc, this.#subjects, nodeId, {
        timeoutMs: this.config.ORCH_REQUEST_TIMEOUT_MS,
      });
      this.#clients.set(nodeId, client);
    }
    return client;
  }

  #every(ms: number, task: () => unknown): void {
    const timer = setInterval(() => {
      void Promise.resolve()
        .then(task)
        .catch((error: unknown) => this.logger.warn({ error: String(error) }));
    }, ms);
    timer.unref();
    this.#timers.push(timer);
  }
}

@Module({ providers: [Orchestrator] })
export class OrchestratorModule {}
