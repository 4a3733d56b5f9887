import { Inject, Injectable, Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { createSubjects } from '@cascade/contracts';
import { MetricsService, NatsBus, SERVICE_CONFIG } from '@cascade/server-kit';
import { Counter } from 'prom-client';

import type { SfuNodeConfig } from '../config';
import { MediaModule } from '../media/media.module';
import { SfuNode } from '../media/sfu-node';
import { SfuControl } from './sfu-control';

/** Serves the node's control and admin APIs on its own NATS subjects. */
@Injectable()
class ControlSubscriptions implements OnApplicationBootstrap {
  private readonly logger = new Logger('control');
  readonly #control: SfuControl;
  readonly #requests: Counter<'op' | 'outcome'>;

  constructor(
    node: SfuNode,
    private readonly bus: NatsBus,
    @Inject(SERVICE_CONFIG) private readonly config: SfuNodeConfig,
    metrics: MetricsService,
  ) {
    this.#control = new SfuControl(node, (error, op) =>
      this.logger.error(
        `${op} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      ),
    );
    this.#requests = new Counter({
      name: 'sfu_control_requests_total',
      help: 'Control requests by outcome (ok or error code)',
      labelNames: ['outcome'] as const,
      registers: [metrics.registry],
    }) as Counter<'op' | 'outcome'>;
  }

  onApplicationBootstrap(): void {
    const subjects = createSubjects(this.config.NATS_SUBJECT_PREFIX);
    this.bus.subscribe(subjects.sfuNodeControl(this.config.SFU_NODE_ID), async (msg) => {
      const reply = await this.#control.handle(msg.data);
      this.#requests.inc({ outcome: reply.ok ? 'ok' : reply.error.code });
      NatsBus.respond(msg, reply);
    });
    this.bus.subscribe(subjects.sfuNodeAdmin(this.config.SFU_NODE_ID), async (msg) => {
      NatsBus.respond(msg, await this.#control.handleAdmin(msg.data));
    });
    void this.bus
      .connected()
      .then(() => this.logger.log(`serving ${subjects.sfuNodeControl(this.config.SFU_NODE_ID)}`));
  }
}

@Module({ imports: [MediaModule], providers: [ControlSubscriptions] })
export class ControlModule {}
