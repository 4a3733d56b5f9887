import {
  CreateTenantRequest,
  PageQuery,
  Profile,
  PublicTenant,
  SetUserRoleRequest,
  Tenant,
  TenantId,
  TenantSlug,
  UpdateTenantRequest,
  UserId,
  pageOf,
  parseOrThrow,
  type Page,
} from '@cascade/contracts';
import {
  Body,
  Controller,
  Get,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
  Param,
  Patch,
  Post,
  Put,
  Query,
  UseGuards,
} from '@nestjs/common';
import { SERVICE_CONFIG } from '@cascade/server-kit';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiTags } from '@nestjs/swagger';

import { isUniqueViolation } from '../common/errors';
import type { IdentityConfig } from '../config';
import { Database } from '../database/database.module';
import { openApiSchema } from '../docs/openapi';
import { ProfilesModule } from '../profiles/profiles.module';
import { Users } from '../profiles/users';
import { AdminGuard } from './admin-guard';
import { Tenants, toPublicTenant, toTenant } from './tenants';

/** The operator's API: tenants and who administers them. */
@ApiTags('operator')
@ApiBearerAuth('admin-token')
@UseGuards(AdminGuard)
@Controller('admin/tenants')
export class TenantsAdminController {
  constructor(
    private readonly tenants: Tenants,
    private readonly users: Users,
  ) {}

  @Post()
  @ApiBody({ schema: openApiSchema(CreateTenantRequest) })
  @ApiOkResponse({ schema: openApiSchema(Tenant, 'output') })
  create(@Body() body: unknown): Promise<Tenant> {
    return this.tenants.create(parseOrThrow(CreateTenantRequest, body, 'tenant'));
  }

  @Get()
  @ApiOkResponse({ schema: openApiSchema(pageOf(Tenant), 'output') })
  list(@Query() query: unknown): Promise<Page<Tenant>> {
    return this.tenants.list(parseOrThrow(PageQuery, query, 'page query'));
  }

  @Get(':tenantId')
  @ApiOkResponse({ schema: openApiSchema(Tenant, 'output') })
  async get(@Param('tenantId') tenantId: string): Promise<Tenant> {
    return toTenant(await this.tenants.get(parseOrThrow(TenantId, tenantId, 'tenant id')));
  }

  @Patch(':tenantId')
  @ApiBody({ schema: openApiSchema(UpdateTenantRequest) })
  @ApiOkResponse({ schema: openApiSchema(Tenant, 'output') })
  update(@Param('tenantId') tenantId: string, @Body() body: unknown): Promise<Tenant> {
    const id = parseOrThrow(TenantId, tenantId, 'tenant id');
    return this.tenants.update(id, parseOrThrow(UpdateTenantRequest, body, 'tenant update'));
  }

  /** Makes a user an `admin` of its tenant (who manages API keys), or a `member` again. */
  @Put(':tenantId/users/:userId/role')
  @ApiBody({ schema: openApiSchema(SetUserRoleRequest) })
  @ApiOkResponse({ schema: openApiSchema(Profile, 'output') })
  setRole(
    @Param('tenantId') tenantId: string,
    @Param('userId') userId: string,
    @Body() body: unknown,
  ): Promise<Profile> {
    const { role } = parseOrThrow(SetUserRoleRequest, body, 'role');
    return this.users.setRole(
      parseOrThrow(TenantId, tenantId, 'tenant id'),
      parseOrThrow(UserId, userId, 'user id'),
      role,
    );
  }
}

@ApiTags('tenants')
@Controller('tenants')
export class TenantsController {
  constructor(private readonly tenants: Tenants) {}

  /** What a sign-in page needs to know about a tenant. */
  @Get(':slug')
  @ApiOkResponse({ schema: openApiSchema(PublicTenant, 'output') })
  async bySlug(@Param('slug') slug: string): Promise<PublicTenant> {
    return toPublicTenant(await this.tenants.bySlug(parseOrThrow(TenantSlug, slug, 'tenant slug')));
  }
}

/** Creates the tenants named by `IDENTITY_BOOTSTRAP_TENANTS` (the local run's `dev`). */
@Injectable()
export class TenantBootstrap implements OnApplicationBootstrap {
  readonly #logger = new Logger('tenants');

  constructor(
    private readonly tenants: Tenants,
    @Inject(SERVICE_CONFIG) private readonly config: IdentityConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const slug of this.config.IDENTITY_BOOTSTRAP_TENANTS) {
      try {
        await this.tenants.ensure(slug);
      } catch (error) {
        // Another replica created it at the same moment.
        if (!isUniqueViolation(error)) throw error;
      }
      this.#logger.log(`tenant ${slug} exists`);
    }
  }
}

@Module({
  imports: [ProfilesModule],
  controllers: [TenantsAdminController, TenantsController],
  providers: [
    { provide: Tenants, inject: [Database], useFactory: (db: Database) => new Tenants(db.prisma) },
    AdminGuard,
    TenantBootstrap,
  ],
  exports: [Tenants],
})
export class TenantsModule {}
