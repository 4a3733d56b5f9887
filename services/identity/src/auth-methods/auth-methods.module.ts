import { AuthMethods, AuthMethodsQuery, parseOrThrow } from '@cascade/contracts';
import { SERVICE_CONFIG } from '@cascade/server-kit';
import { Controller, Get, Inject, Module, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';

import { type IdentityConfig, googleEnabled } from '../config';
import { openApiSchema } from '../docs/openapi';
import { Tenants, toPublicTenant } from '../tenants/tenants';
import { TenantsModule } from '../tenants/tenants.module';

/** What a sign-in page offers: the tenant, and which sign-in methods this deployment has. */
@ApiTags('sign-in')
@Controller('auth/methods')
export class AuthMethodsController {
  constructor(
    private readonly tenants: Tenants,
    @Inject(SERVICE_CONFIG) private readonly config: IdentityConfig,
  ) {}

  /**
   * How one signs in to `tenant` (by default `IDENTITY_DEFAULT_TENANT`; `tenant: null` without
   * either). An unknown tenant is NOT_FOUND. No authentication.
   */
  @Get()
  @ApiOkResponse({ schema: openApiSchema(AuthMethods, 'output') })
  async methods(@Query() query: unknown): Promise<AuthMethods> {
    const { tenant } = parseOrThrow(AuthMethodsQuery, query, 'sign-in methods query');
    const slug = tenant ?? this.config.IDENTITY_DEFAULT_TENANT;
    return {
      tenant: slug === undefined ? null : toPublicTenant(await this.tenants.bySlug(slug)),
      devLogin: this.config.IDENTITY_DEV_LOGIN,
      google: googleEnabled(this.config),
    };
  }
}

@Module({
  imports: [TenantsModule],
  controllers: [AuthMethodsController],
})
export class AuthMethodsModule {}
