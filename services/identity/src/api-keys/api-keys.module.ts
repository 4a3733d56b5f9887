import {
  ApiKey,
  CascadeError,
  CreateApiKeyRequest,
  CreatedApiKey,
  Identifier,
  JoinTokenResponse,
  MintJoinTokenRequest,
  PageQuery,
  pageOf,
  parseOrThrow,
  type Page,
} from '@cascade/contracts';
import { NatsBus, SERVICE_CONFIG } from '@cascade/server-kit';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Logger,
  Module,
  Param,
  Post,
  Query,
  Req,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';

import { authorization } from '../common/http';
import { IdentityConfig } from '../config';
import { Database } from '../database/database.module';
import { openApiSchema } from '../docs/openapi';
import { KeysModule } from '../keys/keys.module';
import { SigningKeys } from '../keys/signing-keys';
import { ProfilesModule } from '../profiles/profiles.module';
import { Users } from '../profiles/users';
import { Authenticator } from '../sessions/authenticator';
import { RequestLimiter } from '../sessions/request-limiter';
import { natsRevocationNotice } from '../sessions/revocation-publisher';
import { SessionsModule } from '../sessions/sessions.module';
import { AdminGrantPolicy } from './admin-grant';
import { type ApiKeyAuth, ApiKeys } from './api-keys';
import { JoinTokens } from './join-tokens';
import { natsMemberRoleQuery } from './member-role.client';

/** A tenant's API keys, managed by the tenant's admins. */
@ApiTags('api-keys')
@ApiBearerAuth('access-token')
@Controller('api-keys')
export class ApiKeysController {
  constructor(
    private readonly apiKeys: ApiKeys,
    private readonly auth: Authenticator,
  ) {}

  private async admin(req: Request) {
    const me = await this.auth.user(req);
    if (me.role !== 'admin') {
      throw new CascadeError('FORBIDDEN', "only the tenant's admins manage API keys");
    }
    return me;
  }

  /** Creates a key; its `key` is shown in this answer only. */
  @Post()
  @ApiBody({ schema: openApiSchema(CreateApiKeyRequest) })
  @ApiOkResponse({ schema: openApiSchema(CreatedApiKey, 'output') })
  async create(@Req() req: Request, @Body() body: unknown): Promise<CreatedApiKey> {
    const me = await this.admin(req);
    const { name } = parseOrThrow(CreateApiKeyRequest, body, 'API key');
    return this.apiKeys.create(me.tenantId, name, me.userId);
  }

  @Get()
  @ApiOkResponse({ schema: openApiSchema(pageOf(ApiKey), 'output') })
  async list(@Req() req: Request, @Query() query: unknown): Promise<Page<ApiKey>> {
    const me = await this.admin(req);
    return this.apiKeys.list(me.tenantId, parseOrThrow(PageQuery, query, 'page query'));
  }

  @Delete(':keyId')
  @ApiOkResponse({ schema: openApiSchema(ApiKey, 'output') })
  async revoke(@Req() req: Request, @Param('keyId') keyId: string): Promise<ApiKey> {
    const me = await this.admin(req);
    return this.apiKeys.revoke(me.tenantId, parseOrThrow(Identifier, keyId, 'API key id'));
  }
}

/**
 * Join tokens. With `Authorization: ApiKey <key>`, a tenant's backend mints them for any user of
 * its tenant with any grants; with a Bearer access token, a user mints one for itself, with
 * `admin` only when it owns or moderates the room (the rooms service is asked: 403 otherwise, 503
 * when rooms does not answer).
 */
@ApiTags('join-tokens')
@ApiSecurity('api-key')
@ApiBearerAuth('access-token')
@Controller('join-tokens')
export class JoinTokensController {
  constructor(
    private readonly apiKeys: ApiKeys,
    private readonly auth: Authenticator,
    private readonly users: Users,
    private readonly joinTokens: JoinTokens,
    private readonly limiter: RequestLimiter,
    private readonly adminGrants: AdminGrantPolicy,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiBody({ schema: openApiSchema(MintJoinTokenRequest) })
  @ApiOkResponse({ schema: openApiSchema(JoinTokenResponse, 'output') })
  async mint(@Req() req: Request, @Body() body: unknown): Promise<JoinTokenResponse> {
    await this.limiter.hit('mint', req);
    const credentials = authorization(req);
    const caller: ApiKeyAuth | Awaited<ReturnType<Authenticator['user']>> =
      credentials?.scheme === 'apikey'
        ? await this.apiKeys.authenticate(credentials.value)
        : await this.auth.user(req);
    if (caller.kind === 'api-key') await this.limiter.hitApiKey(caller.keyId);
    else await this.limiter.hitAccount('mint', caller.tenantId, caller.userId);
    const request = parseOrThrow(MintJoinTokenRequest, body, 'join token request');
    let userId: string;
    if (caller.kind === 'api-key') {
      if (request.userId === undefined) {
        throw new CascadeError('INVALID_ARGUMENT', 'invalid join token request: userId: required', {
          issues: [{ path: 'userId', message: 'is required with an API key' }],
        });
      }
      userId = request.userId;
    } else {
      if (request.userId !== undefined && request.userId !== caller.userId) {
        throw new CascadeError('FORBIDDEN', 'a user mints join tokens for itself only');
      }
      if (request.grants.admin) {
        await this.adminGrants.assertMayGrant(caller.tenantId, caller.userId, request.grants.room);
      }
      userId = caller.userId;
    }
    const user = await this.users.get(caller.tenantId, userId);
    return this.joinTokens.mint(
      user,
      request.grants,
      request.ttlSeconds,
      caller.kind === 'api-key' ? { apiKeyId: caller.keyId } : { sessionId: caller.sessionId },
    );
  }
}

@Module({
  imports: [KeysModule, SessionsModule, ProfilesModule],
  controllers: [ApiKeysController, JoinTokensController],
  providers: [
    {
      provide: ApiKeys,
      inject: [Database, NatsBus, SERVICE_CONFIG],
      useFactory: (db: Database, bus: NatsBus, config: IdentityConfig) =>
        new ApiKeys(db.prisma, Date.now, natsRevocationNotice(bus, config.NATS_SUBJECT_PREFIX)),
    },
    {
      provide: AdminGrantPolicy,
      inject: [NatsBus, SERVICE_CONFIG],
      useFactory: (bus: NatsBus, config: IdentityConfig) => {
        const logger = new Logger('admin-grant');
        return new AdminGrantPolicy(
          natsMemberRoleQuery(
            bus,
            config.NATS_SUBJECT_PREFIX,
            config.IDENTITY_ROOM_ROLE_TIMEOUT_MS,
          ),
          { warn: (fields, msg) => logger.warn({ ...fields, msg }) },
        );
      },
    },
    {
      provide: JoinTokens,
      inject: [SigningKeys, SERVICE_CONFIG],
      useFactory: (keys: SigningKeys, config: IdentityConfig) =>
        new JoinTokens(keys, {
          issuer: config.IDENTITY_ISSUER,
          audience: config.IDENTITY_JOIN_TOKEN_AUDIENCE,
          maxTtlSeconds: config.IDENTITY_JOIN_TOKEN_MAX_TTL_SECONDS,
        }),
    },
  ],
})
export class ApiKeysModule {}
