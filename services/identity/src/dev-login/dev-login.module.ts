import { DevSignInRequest, SessionTokens, WebSession, parseOrThrow } from '@cascade/contracts';
import { SERVICE_CONFIG } from '@cascade/server-kit';
import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Inject,
  Module,
  Post,
  Req,
  Res,
} from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { z } from 'zod';

import { requireJsonBody } from '../common/http';
import { checkOrigin } from '../common/origin';
import type { IdentityConfig } from '../config';
import { openApiSchema } from '../docs/openapi';
import { ProfilesModule } from '../profiles/profiles.module';
import { Users } from '../profiles/users';
import { BrowserSessions } from '../sessions/browser-sessions';
import { RequestLimiter } from '../sessions/request-limiter';
import { Sessions } from '../sessions/sessions';
import { SessionsModule } from '../sessions/sessions.module';
import { TenantsModule } from '../tenants/tenants.module';
import { Tenants } from '../tenants/tenants';

const FORM = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cascade development sign-in</title></head>
<body style="font-family:sans-serif;max-width:24rem;margin:4rem auto">
<h1>Development sign-in</h1>
<p>For local development only: no password, no Google.</p>
<form method="post" action="/auth/dev">
  <p><label>Tenant <input name="tenant" value="dev" required maxlength="40"></label></p>
  <p><label>Display name <input name="displayName" required maxlength="100" autofocus></label></p>
  <p><label>Email (optional) <input name="email" type="email" maxlength="254"></label></p>
  <p><button type="submit">Sign in</button></p>
</form></body></html>`;

/** Development sign-in: exists only when `IDENTITY_DEV_LOGIN=true`. */
@ApiTags('sign-in')
@Controller('auth/dev')
export class DevLoginController {
  constructor(
    private readonly tenants: Tenants,
    private readonly users: Users,
    private readonly sessions: Sessions,
    private readonly browser: BrowserSessions,
    private readonly limiter: RequestLimiter,
    @Inject(SERVICE_CONFIG) private readonly config: IdentityConfig,
  ) {}

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  form(): string {
    return FORM;
  }

  /**
   * Signs in as a display name (JSON or a form post); a known email signs in as that user. With
   * `delivery: 'cookie'` (JSON only) the refresh token is set as the session cookie and a
   * `WebSession` answers.
   */
  @Post()
  @HttpCode(200)
  @ApiBody({ schema: openApiSchema(DevSignInRequest) })
  @ApiOkResponse({ schema: openApiSchema(z.union([SessionTokens, WebSession]), 'output') })
  async signIn(
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @Body() body: unknown,
  ): Promise<SessionTokens | WebSession> {
    await this.limiter.hit('sign-in', req);
    const input =
      typeof body === 'object' && body !== null && (body as { email?: unknown }).email === ''
        ? { ...(body as object), email: undefined }
        : body;
    const request = parseOrThrow(DevSignInRequest, input, 'sign-in request');
    if (request.delivery === 'cookie') {
      // A foreign page must not sign the browser in to an account of its choosing either.
      checkOrigin(req, this.config.IDENTITY_PUBLIC_ORIGINS, 'sign-in');
      requireJsonBody(req, 'sign-in');
    }
    await this.limiter.hitAccount(
      'sign-in',
      request.tenant,
      request.email ?? `name:${request.displayName}`,
    );
    const tenant = await this.tenants.bySlug(request.tenant);
    const user = await this.users.signInDev(tenant.id, request.displayName, request.email);
    const tokens = await this.sessions.start(user);
    return request.delivery === 'cookie' ? this.browser.deliver(req, res, tokens) : tokens;
  }
}

@Module({
  imports: [TenantsModule, ProfilesModule, SessionsModule],
  controllers: [DevLoginController],
})
export class DevLoginModule {}
