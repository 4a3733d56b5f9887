import {
  QUEUE_GROUPS,
  TenantSettingsQuery,
  createSubjects,
  parseOrThrow,
} from '@cascade/contracts';
import { NatsBus, SERVICE_CONFIG } from '@cascade/server-kit';
import { Inject, Injectable, Module, type OnApplicationBootstrap } from '@nestjs/common';

import type { IdentityConfig } from '../config';
import { Tenants, toTenant } from './tenants';
import { TenantsModule } from './tenants.module';

/**
 * Answers `subjects.identityTenantSettings()`: a tenant's settings, which the rooms service
 * enforces (`maxRoomCapacity` when a room is created or changed). NOT_FOUND for an unknown tenant.
 */
@Injectable()
export class TenantSettingsResponder implements OnApplicationBootstrap {
  constructor(
    private readonly bus: NatsBus,
    private readonly tenants: Tenants,
    @Inject(SERVICE_CONFIG) private readonly config: IdentityConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.bus.serve(
      createSubjects(this.config.NATS_SUBJECT_PREFIX).identityTenantSettings(),
      async (body) => {
        const { tenantId } = parseOrThrow(TenantSettingsQuery, body, 'tenant settings query');
        return toTenant(await this.tenants.get(tenantId)).settings;
      },
      { queue: QUEUE_GROUPS.identity },
    );
  }
}

@Module({ imports: [TenantsModule], providers: [TenantSettingsResponder] })
export class TenantSettingsModule {}
