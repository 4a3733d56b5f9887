import {
  Inject,
  Injectable,
  Logger,
  Module,
  type BeforeApplicationShutdown,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { createSubjects } from '@cascade/contracts';
import { MetricsService, NatsBus, ReadinessRegistry, SERVICE_CONFIG } from '@cascade/server-kit';
import * as mediasoup from 'mediasoup';
import { Counter, Gauge } from 'prom-client';

import type { SfuNodeConfig } from '../config';
import { MediasoupCensus } from './mediasoup-census';
import { SfuNode } from './sfu-node';
import { WorkerPool } from './worker-pool';

/**
 * Runs the node: starts its workers before anything is served, reports readiness and load
 * gauges, and drains on shutdown — SIGTERM, or an admin drain once the node is empty — keeping
 * current rooms until they empty or SFU_DRAIN_GRACE_MS ends.
 */
@Injectable()
class SfuNodeLifecycle implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('sfu-node');
  #drainStartedAt: number | undefined;
  #adminExit: NodeJS.Timeout | undefined;
  #shuttingDown = false;

  constructor(
    private readonly node: SfuNode,
    @Inject(SERVICE_CONFIG) private readonly config: SfuNodeConfig,
    census: MediasoupCensus,
    readiness: ReadinessRegistry,
    metrics: MetricsService,
  ) {
    readiness.register({
      name: 'mediasoup-workers',
      check: async () => {
        if (!node.pool.healthy) throw new Error('a mediasoup worker is not running');
      },
    });
    const gauge = (name: string, help: string, value: () => number) =>
      new Gauge({
        name,
        help,
        registers: [metrics.registry],
        collect() {
          this.set(value());
        },
      });
    gauge(
      'mediasoup_workers_alive',
      'mediasoup worker processes running on this node',
      () => node.pool.slots.filter((s) => !s.worker.died && !s.worker.closed).length,
    );
    gauge('sfu_rooms', 'rooms on this node', () => node.rooms.size);
    gauge('sfu_participants', 'participants on this node', () => node.participantCount);
    gauge('sfu_draining', '1 while the node drains', () => (node.state === 'draining' ? 1 : 0));
    let reportedRetries = 0;
    new Counter({
      name: 'sfu_keyframe_retries_total',
      help: 'key frames asked for again because a resumed video consumer had sent nothing',
      registers: [metrics.registry],
      collect() {
        this.inc(node.keyFrameRetries - reportedRetries);
        reportedRetries = node.keyFrameRetries;
      },
    });
    new Gauge({
      name: 'sfu_mediasoup_objects',
      help:
        'mediasoup objects the workers hold, from their own dumps (kind: router, transport, ' +
        'producer, consumer, data_producer, data_consumer, rtp_observer; transport: the type of ' +
        'the transport they are on, pipe for what crosses to another node): leaks show here',
      labelNames: ['kind', 'transport'],
      registers: [metrics.registry],
      async collect() {
        for (const { kind, transport, count } of await census.count())
          this.set({ kind, transport }, count);
      },
    });

    node.pool.on('workerDied', (index, error) =>
      this.logger.error(`mediasoup worker ${index} died: ${error.message}`),
    );
    node.pool.on('workerReplaced', (index) =>
      this.logger.log(`mediasoup worker ${index} replaced`),
    );
    node.pool.on('workerReplaceFailed', (index, error) =>
      this.logger.error(`mediasoup worker ${index} could not be replaced: ${String(error)}`),
    );
    node.on('state', (state) => {
      this.logger.log(`node ${node.nodeId} is ${state}`);
      if (state === 'draining') {
        this.#drainStartedAt ??= Date.now();
        // An admin drain ends in an exit, at the latest when the grace period is over.
        if (!this.#shuttingDown) this.#scheduleAdminExit();
      }
      if (state === 'serving') {
        this.#drainStartedAt = undefined;
        this.#cancelAdminExit();
      }
    });
    node.on('drained', () => {
      if (this.#shuttingDown) return;
      this.logger.log('drained: no room left; exiting');
      process.kill(process.pid, 'SIGTERM');
    });
  }

  async onModuleInit(): Promise<void> {
    await this.node.start();
    this.logger.log(
      `${this.node.pool.slots.length} mediasoup worker(s) running (${mediasoup.version}, ${mediasoup.workerBin}), ` +
        `WebRtcServer ports ${this.config.SFU_WEBRTC_PORT_BASE}+i on ${this.config.SFU_LISTEN_IP} announced as ${this.config.SFU_ANNOUNCED_ADDRESS}`,
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.#shuttingDown = true;
    this.#cancelAdminExit();
    this.node.drain();
    if (this.node.rooms.size === 0) return;
    const deadline = (this.#drainStartedAt ?? Date.now()) + this.config.SFU_DRAIN_GRACE_MS;
    this.logger.log(
      `draining: waiting for ${this.node.rooms.size} room(s) to empty, at most until ${new Date(deadline).toISOString()}`,
    );
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
      this.node.once('drained', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.node.closeAllRooms();
    await this.node.pool.close();
  }

  #scheduleAdminExit(): void {
    this.#cancelAdminExit();
    this.#adminExit = setTimeout(() => {
      this.logger.warn('drain grace period over; exiting with rooms still open');
      process.kill(process.pid, 'SIGTERM');
    }, this.config.SFU_DRAIN_GRACE_MS);
  }

  #cancelAdminExit(): void {
    clearTimeout(this.#adminExit);
    this.#adminExit = undefined;
  }
}

@Module({
  providers: [
    {
      provide: MediasoupCensus,
      useFactory: () => {
        const logger = new Logger('mediasoup-census');
        return new MediasoupCensus((fields, msg) => logger.warn({ ...fields, msg }));
      },
    },
    {
      provide: SfuNode,
      inject: [SERVICE_CONFIG, NatsBus, MediasoupCensus],
      useFactory: (config: SfuNodeConfig, bus: NatsBus, census: MediasoupCensus) => {
        const subjects = createSubjects(config.NATS_SUBJECT_PREFIX);
        const createWorker = async (settings: mediasoup.types.WorkerSettings) => {
          const worker = await mediasoup.createWorker(settings);
          census.track(worker);
          return worker;
        };
        const pool = new WorkerPool(createWorker, {
          count: config.MEDIASOUP_NUM_WORKERS,
          logLevel: config.MEDIASOUP_LOG_LEVEL,
          listenIp: config.SFU_LISTEN_IP,
          announcedAddress: config.SFU_ANNOUNCED_ADDRESS,
          webRtcPortBase: config.SFU_WEBRTC_PORT_BASE,
        });
        return new SfuNode(
          pool,
          {
            nodeId: config.SFU_NODE_ID,
            transport: {
              listenIp: config.SFU_LISTEN_IP,
              announcedAddress: config.SFU_ANNOUNCED_ADDRESS,
              portRange: { min: config.MEDIASOUP_RTC_MIN_PORT, max: config.MEDIASOUP_RTC_MAX_PORT },
              enableBwe: config.SFU_BWE_ENABLED,
            },
            limits: {
              transports: config.SFU_MAX_TRANSPORTS_PER_PARTICIPANT,
              producers: config.SFU_MAX_PRODUCERS_PER_PARTICIPANT,
              consumers: config.SFU_MAX_CONSUMERS_PER_PARTICIPANT,
              dataChannels: config.SFU_MAX_DATA_CHANNELS_PER_PARTICIPANT,
            },
            lingerMs: config.SFU_ROOM_LINGER_MS,
          },
          {
            publish: (e) => bus.publish(subjects.sfuRoomEvents(e.nodeId, e.tenantId, e.roomId), e),
          },
          { publish: (e) => bus.publish(subjects.sfuNodeEvents(e.nodeId), e) },
        );
      },
    },
    SfuNodeLifecycle,
  ],
  exports: [SfuNode],
})
export class MediaModule {}
