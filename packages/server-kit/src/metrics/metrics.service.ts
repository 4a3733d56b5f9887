import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One Prometheus registry per service process, labelled with the service name. Domain modules
 * create their own metrics on `registry`; the kit adds process, HTTP and dependency metrics.
 */
export class MetricsService {
  readonly registry = new Registry();
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;
  readonly httpRequests: Counter<'method' | 'route' | 'status_code'>;
  readonly dependencyUp: Gauge<'dependency'>;

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    this.httpRequestDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration in seconds',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    this.httpRequests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests served',
      labelNames: ['method', 'route', 'status_code'],
      registers: [this.registry],
    });
    this.dependencyUp = new Gauge({
      name: 'dependency_up',
      help: 'Whether a dependency answered its last readiness check (1) or not (0)',
      labelNames: ['dependency'],
      registers: [this.registry],
    });
  }
}
