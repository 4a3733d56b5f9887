import { Module } from '@nestjs/common';
import { createSubjects } from '@cascade/contracts';
import { NatsBus, SERVICE_CONFIG } from '@cascade/server-kit';

import type { GatewayConfig } from '../config';
import { Routing } from './routing';

@Module({
  providers: [
    {
      provide: Routing,
      inject: [NatsBus, SERVICE_CONFIG],
      useFactory: (bus: NatsBus, config: GatewayConfig) =>
        new Routing(
          bus,
          createSubjects(config.NATS_SUBJECT_PREFIX),
          config.GATEWAY_REQUEST_TIMEOUT_MS,
        ),
    },
  ],
  exports: [Routing],
})
export class RoutingModule {}
