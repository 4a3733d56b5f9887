import {
  Profile,
  PublicProfile,
  PublicProfileList,
  PublicProfilesQuery,
  UpdateProfileRequest,
  UserId,
  parseOrThrow,
} from '@cascade/contracts';
import { Body, Controller, Get, Module, Param, Patch, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';

import { Database } from '../database/database.module';
import { openApiSchema } from '../docs/openapi';
import { Authenticator } from '../sessions/authenticator';
import { SessionsModule } from '../sessions/sessions.module';
import { Users, toProfile, toPublicProfile } from './users';

@ApiTags('profiles')
@ApiBearerAuth('access-token')
@Controller()
export class ProfilesController {
  constructor(
    private readonly users: Users,
    private readonly auth: Authenticator,
  ) {}

  @Get('me')
  @ApiOkResponse({ schema: openApiSchema(Profile, 'output') })
  async me(@Req() req: Request): Promise<Profile> {
    const me = await this.auth.user(req);
    return toProfile(await this.users.get(me.tenantId, me.userId));
  }

  /**
   * Changes my display name, where my avatar comes from (`google` or `generated`), or my
   * preferred language (a BCP 47 tag, or null to clear it).
   */
  @Patch('me')
  @ApiBody({ schema: openApiSchema(UpdateProfileRequest) })
  @ApiOkResponse({ schema: openApiSchema(Profile, 'output') })
  async update(@Req() req: Request, @Body() body: unknown): Promise<Profile> {
    const me = await this.auth.user(req);
    const request = parseOrThrow(UpdateProfileRequest, body, 'profile update');
    return this.users.update(me.tenantId, me.userId, request);
  }

  /** Several users of my tenant at once (`?ids=a,b,c`); unknown ids are left out. */
  @Get('users')
  @ApiOkResponse({ schema: openApiSchema(PublicProfileList, 'output') })
  async publicProfiles(@Req() req: Request, @Query() query: unknown): Promise<PublicProfileList> {
    const me = await this.auth.user(req);
    const { ids } = parseOrThrow(PublicProfilesQuery, query, 'users query');
    return { users: await this.users.publicProfiles(me.tenantId, ids) };
  }

  /** Another user of my tenant, as everyone sees them. */
  @Get('users/:userId')
  @ApiOkResponse({ schema: openApiSchema(PublicProfile, 'output') })
  async user(@Req() req: Request, @Param('userId') userId: string): Promise<PublicProfile> {
    const me = await this.auth.user(req);
    const id = parseOrThrow(UserId, userId, 'user id');
    return toPublicProfile(await this.users.get(me.tenantId, id));
  }
}

@Module({
  imports: [SessionsModule],
  controllers: [ProfilesController],
  providers: [
    { provide: Users, inject: [Database], useFactory: (db: Database) => new Users(db.prisma) },
  ],
  exports: [Users],
})
export class ProfilesModule {}
