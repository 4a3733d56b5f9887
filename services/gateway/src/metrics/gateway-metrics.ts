import { Injectable, Module } from '@nestjs/common';
import { MetricsService } from '@cascade/server-kit';
import { Counter, Gauge, Histogram } from 'prom-client';

/** The gateway's Prometheus metrics, on the kit's registry. */
@Injectable()
export class GatewayMetrics {
  readonly requests: Counter<'method' | 'outcome'>;
  readonly requestDuration: Histogram<'method'>;
  readonly eventsForwarded: Counter<'type'>;
  #sockets: () => SocketCounts = () => ({ total: 0, user: 0 });

  constructor(metrics: MetricsService) {
    this.requests = new Counter({
      name: 'gateway_requests_total',
      help: 'Signaling requests answered, by method and outcome (ok or error code)',
      labelNames: ['method', 'outcome'] as const,
      registers: [metrics.registry],
    });
    this.requestDuration = new Histogram({
      name: 'gateway_request_duration_seconds',
      help: 'Time to answer a signaling request, by method',
      labelNames: ['method'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [metrics.registry],
    });
    this.eventsForwarded = new Counter({
      name: 'gateway_events_forwarded_total',
      help: 'Events from NATS delivered to sockets, by signaling event',
      labelNames: ['type'] as const,
      registers: [metrics.registry],
    });
    const sockets = () => this.#sockets();
    new Gauge({
      name: 'gateway_sockets',
      help: 'Sockets connected to this instance (room sockets and user connections)',
      registers: [metrics.registry],
      collect() {
        this.set(sockets().total);
      },
    });
    new Gauge({
      name: 'gateway_user_connections',
      help: 'User connections (handshake accessToken, in no room) connected to this instance',
      registers: [metrics.registry],
      collect() {
        this.set(sockets().user);
      },
    });
  }

  /** Where the socket counts come from (the Socket.IO server, once it exists). */
  countSocketsWith(count: () => SocketCounts): void {
    this.#sockets = count;
  }
}

/** Sockets connected to this instance: all of them, and the user connections among them. */
export interface SocketCounts {
  total: number;
  user: number;
}

@Module({ providers: [GatewayMetrics], exports: [GatewayMetrics] })
export class GatewayMetricsModule {}
