import {
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { type SfuNodePingReply, createSubjects, okReply } from '@cascade/contracts';
import { NatsBus, SERVICE_CONFIG, SERVICE_INFO, type ServiceInfo } from '@cascade/server-kit';

import type { SfuNodeConfig } from '../config';
import { MediaModule } from '../media/media.module';
import { SfuNode } from '../media/sfu-node';
import { HeartbeatBuilder } from './heartbeat';
import { LoadSampler } from './load-sampler';

/** Publishes the node's heartbeat every SFU_HEARTBEAT_INTERVAL_MS, and samples bitrates. */
@Injectable()
class HeartbeatPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('heartbeat');
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #sampler: LoadSampler;
  readonly #builder: HeartbeatBuilder;
  #publishing = false;

  constructor(
    node: SfuNode,
    private readonly bus: NatsBus,
    @Inject(SERVICE_CONFIG) private readonly config: SfuNodeConfig,
    @Inject(SERVICE_INFO) info: ServiceInfo,
  ) {
    this.#sampler = new LoadSampler(node);
    this.#builder = new HeartbeatBuilder(node, this.#sampler, {
      region: config.SFU_REGION,
      version: info.version,
      announcedAddress: config.SFU_ANNOUNCED_ADDRESS,
      rtcBasePort: config.SFU_WEBRTC_PORT_BASE,
      maxStreams: config.SFU_MAX_STREAMS,
      maxBitrateOutBps: config.SFU_MAX_BITRATE_OUT_BPS,
    });
  }

  onApplicationBootstrap(): void {
    const subject = createSubjects(this.config.NATS_SUBJECT_PREFIX).sfuHeartbeat(
      this.config.SFU_NODE_ID,
    );
    const beat = async () => {
      if (this.#publishing) return; // a slow worker must not stack heartbeats up
      this.#publishing = true;
      try {
        this.bus.publish(subject, await this.#builder.build());
      } catch (error) {
        this.logger.warn(`heartbeat failed: ${String(error)}`);
      } finally {
        this.#publishing = false;
      }
    };
    this.#timers.push(setInterval(() => void beat(), this.config.SFU_HEARTBEAT_INTERVAL_MS));
    this.#timers.push(
      setInterval(() => void this.#sampler.sampleBitrates(), this.config.SFU_STATS_INTERVAL_MS),
    );
    void this.bus.connected().then(beat);
  }

  onApplicationShutdown(): void {
    for (const timer of this.#timers) clearInterval(timer);
  }
}

/**
 * Answers liveness probes on the node's ping subject. The orchestrator probes a node whose
 * heartbeat is late: an answer means the process lives (busy, perhaps), while "no responders"
 * from NATS means the process and its connection are gone, which tells a dead node from a slow
 * one within a second instead of after the heartbeat timeout. The subscription lives exactly as
 * long as the node's NATS connection: nothing here may outlive the process.
 */
@Injectable()
class LivenessResponder implements OnApplicationBootstrap {
  constructor(
    private readonly node: SfuNode,
    private readonly bus: NatsBus,
    @Inject(SERVICE_CONFIG) private readonly config: SfuNodeConfig,
  ) {}

  onApplicationBootstrap(): void {
    const subject = createSubjects(this.config.NATS_SUBJECT_PREFIX).sfuNodePing(
      this.config.SFU_NODE_ID,
    );
    // The body is not read: an empty probe is answered as well as any other.
    this.bus.subscribe(subject, (msg) => {
      const reply: SfuNodePingReply = { nodeId: this.node.nodeId, state: this.node.state };
      NatsBus.respond(msg, okReply(reply));
    });
  }
}

@Module({ imports: [MediaModule], providers: [HeartbeatPublisher, LivenessResponder] })
export class HeartbeatModule {}
