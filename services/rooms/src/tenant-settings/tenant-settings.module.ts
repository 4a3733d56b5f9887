import { Logger, Module } from '@nestjs/common';
import { NatsBus, SERVICE_CONFIG } from '@cascade/server-kit';

import type { RoomsConfig } from '../config';
import { NatsTenantSettings } from './tenant-settings.client';

/** Tenants' settings from identity, one cache for the whole service (capacity, chat retention). */
@Module({
  providers: [
    {
      provide: NatsTenantSettings,
      inject: [NatsBus, SERVICE_CONFIG],
      useFactory: (bus: NatsBus, config: RoomsConfig) =>
        new NatsTenantSettings(
          bus,
          config.NATS_SUBJECT_PREFIX,
          config.ROOMS_IDENTITY_TIMEOUT_MS,
          new Logger('tenant-settings'),
        ),
    },
  ],
  exports: [NatsTenantSettings],
})
export class TenantSettingsModule {}
