import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

import { MetricsService } from './metrics.service';

/** Times every HTTP request, labelled by route pattern (never by raw path: bounded cardinality). */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: MetricsService) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const end = this.metrics.httpRequestDuration.startTimer();
    res.on('finish', () => {
      const routePath: unknown = (req as Request & { route?: { path?: unknown } }).route?.path;
      const route = typeof routePath === 'string' ? `${req.baseUrl}${routePath}` : 'unmatched';
      const labels = { method: req.method, route, status_code: String(res.statusCode) };
      end(labels);
      this.metrics.httpRequests.inc(labels);
    });
    next();
  }
}
