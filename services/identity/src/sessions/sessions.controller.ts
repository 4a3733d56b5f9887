import {
  LogoutRequest,
  RefreshRequest,
  SessionTokens,
  WebSession,
  parseOrThrow,
} from '@cascade/contracts';
import { SERVICE_CONFIG } from '@cascade/server-kit';
import { Body, Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { z } from 'zod';

import { invalidField } from '../common/errors';
import { requireJsonBody } from '../common/http';
import { checkOrigin } from '../common/origin';
import type { IdentityConfig } from '../config';
import { openApiSchema } from '../docs/openapi';
import { BrowserSessions } from './browser-sessions';
import { RequestLimiter } from './request-limiter';
import { Sessions } from './sessions';

/** The refresh token of a `delivery: 'body'` request (which the contract requires there). */
function bodyToken({ refreshToken }: RefreshRequest): string {
  if (refreshToken === undefined) throw invalidField('refreshToken', 'is required');
  return refreshToken;
}

/**
 * A `delivery: 'cookie'` request: from the web app's origins (or no browser page), JSON only, and
 * the token comes from the cookie alone.
 */
function checkCookieRequest(
  req: Request,
  request: RefreshRequest,
  what: string,
  origins: readonly string[],
): void {
  checkOrigin(req, origins, what);
  requireJsonBody(req, what);
  if (request.refreshToken !== undefined) {
    throw invalidField('refreshToken', 'with delivery "cookie" it comes from the cookie');
  }
}

@ApiTags('sessions')
@Controller('auth')
export class SessionsController {
  constructor(
    private readonly sessions: Sessions,
    private readonly browser: BrowserSessions,
    private readonly limiter: RequestLimiter,
    @Inject(SERVICE_CONFIG) private readonly config: IdentityConfig,
  ) {}

  /**
   * Trades a refresh token for a new access token and a new refresh token (rotation). With
   * `delivery: 'cookie'` the token comes from the session cookie and the new one goes back into
   * it (a `WebSession` answers); a failure clears the cookie.
   */
  @Post('refresh')
  @HttpCode(200)
  @ApiBody({ schema: openApiSchema(RefreshRequest) })
  @ApiOkResponse({ schema: openApiSchema(z.union([SessionTokens, WebSession]), 'output') })
  async refresh(
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @Body() body: unknown,
  ): Promise<SessionTokens | WebSession> {
    await this.limiter.hit('refresh', req);
    const request = parseOrThrow(RefreshRequest, body, 'refresh request');
    if (request.delivery === 'body') return this.sessions.refresh(bodyToken(request));
    checkCookieRequest(req, request, 'refresh', this.config.IDENTITY_PUBLIC_ORIGINS);
    return this.browser.refresh(req, res);
  }

  /**
   * Ends the session of a refresh token. With `delivery: 'cookie'`, the cookie's session, and
   * the cookie is cleared (204 even without one).
   */
  @Post('logout')
  @HttpCode(204)
  @ApiBody({ schema: openApiSchema(LogoutRequest) })
  @ApiNoContentResponse()
  async logout(
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @Body() body: unknown,
  ): Promise<void> {
    await this.limiter.hit('refresh', req);
    const request = parseOrThrow(LogoutRequest, body, 'logout request');
    if (request.delivery === 'body') return this.sessions.logout(bodyToken(request));
    checkCookieRequest(req, request, 'logout', this.config.IDENTITY_PUBLIC_ORIGINS);
    await this.browser.logout(req, res);
  }
}
