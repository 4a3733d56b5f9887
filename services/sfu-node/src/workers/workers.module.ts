import {
  Injectable,
  Logger,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { MetricsService, ReadinessRegistry, SERVICE_CONFIG } from '@cascade/server-kit';
import * as mediasoup from 'mediasoup';
import { Gauge } from 'prom-client';

import type { SfuNodeConfig } from '../config';
import { WorkerPool } from './worker-pool';

/** Starts the node's mediasoup workers before the node serves, and closes them on shutdown. */
@Injectable()
class WorkerPoolLifecycle implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('workers');

  constructor(
    readonly pool: WorkerPool,
    readiness: ReadinessRegistry,
    metrics: MetricsService,
  ) {
    readiness.register({
      name: 'mediasoup-workers',
      check: async () => {
        if (!pool.healthy) throw new Error('a mediasoup worker is not running');
      },
    });
    new Gauge({
      name: 'mediasoup_workers_alive',
      help: 'mediasoup worker processes running on this node',
      registers: [metrics.registry],
      collect() {
        this.set(pool.workers.filter((w) => !w.died && !w.closed).length);
      },
    });
    pool.on('workerDied', (index, error) =>
      this.logger.error(`mediasoup worker ${index} died: ${error.message}`),
    );
  }

  async onModuleInit(): Promise<void> {
    await this.pool.start();
    this.logger.log(
      `${this.pool.workers.length} mediasoup worker(s) running (${mediasoup.version}, ${mediasoup.workerBin})`,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.close();
  }
}

@Module({
  providers: [
    {
      provide: WorkerPool,
      inject: [SERVICE_CONFIG],
      useFactory: (config: SfuNodeConfig) =>
        new WorkerPool((settings) => mediasoup.createWorker(settings), {
          count: config.MEDIASOUP_NUM_WORKERS,
          logLevel: config.MEDIASOUP_LOG_LEVEL,
        }),
    },
    WorkerPoolLifecycle,
  ],
  exports: [WorkerPool],
})
export class WorkersModule {}
