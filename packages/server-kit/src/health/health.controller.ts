import { Controller, Get, HttpCode, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';

import { MetricsService } from '../metrics/metrics.service';
import { SERVICE_INFO, type ServiceInfo } from '../tokens';
import { ReadinessRegistry } from './readiness';

@Controller()
export class HealthController {
  constructor(
    private readonly readiness: ReadinessRegistry,
    private readonly metrics: MetricsService,
    @Inject(SERVICE_INFO) private readonly info: ServiceInfo,
  ) {}

  /** Alive: the process serves HTTP. Never depends on anything else. */
  @Get('healthz')
  @HttpCode(200)
  healthz() {
    return { status: 'ok', service: this.info.name, version: this.info.version };
  }

  /** Ready: every dependency answers. 503 with the failing checks otherwise. */
  @Get('readyz')
  async readyz(@Res({ passthrough: true }) res: Response) {
    const report = await this.readiness.run();
    for (const [name, result] of Object.entries(report.checks)) {
      this.metrics.dependencyUp.set({ dependency: name }, result.ok ? 1 : 0);
    }
    res.status(report.ready ? 200 : 503);
    return { status: report.ready ? 'ready' : 'not_ready', checks: report.checks };
  }
}
