import { LogoutRequest, RefreshRequest, SessionTokens, parseOrThrow } from '@cascade/contracts';
import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBody, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';

import { openApiSchema } from '../docs/openapi';
import { RequestLimiter } from './request-limiter';
import { Sessions } from './sessions';

@ApiTags('sessions')
@Controller('auth')
export class SessionsController {
  constructor(
    private readonly sessions: Sessions,
    private readonly limiter: RequestLimiter,
  ) {}

  /** Trades a refresh token for a new access token and a new refresh token (rotation). */
  @Post('refresh')
  @HttpCode(200)
  @ApiBody({ schema: openApiSchema(RefreshRequest) })
  @ApiOkResponse({ schema: openApiSchema(SessionTokens, 'output') })
  async refresh(@Req() req: Request, @Body() body: unknown): Promise<SessionTokens> {
    this.limiter.hit('refresh', req);
    const { refreshToken } = parseOrThrow(RefreshRequest, body, 'refresh request');
    return this.sessions.refresh(refreshToken);
  }

  /** Ends the session of a refresh token. */
  @Post('logout')
  @HttpCode(204)
  @ApiBody({ schema: openApiSchema(LogoutRequest) })
  @ApiNoContentResponse()
  async logout(@Req() req: Request, @Body() body: unknown): Promise<void> {
    this.limiter.hit('refresh', req);
    const { refreshToken } = parseOrThrow(LogoutRequest, body, 'logout request');
    await this.sessions.logout(refreshToken);
  }
}
