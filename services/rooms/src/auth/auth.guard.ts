import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { AccessTokenClaims, CascadeError } from '@cascade/contracts';
import { JwtVerifier } from '@cascade/server-kit';
import type { IncomingMessage } from 'node:http';

import { type AuthenticatedRequest, CALLER } from './caller';

export const ACCESS_TOKEN_VERIFIER = Symbol('ACCESS_TOKEN_VERIFIER');

/**
 * Authenticates a request by its `Authorization: Bearer <access token>` (a JWT from identity,
 * verified against identity's keys). Anything else is 401 `UNAUTHENTICATED`.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(@Inject(ACCESS_TOKEN_VERIFIER) private readonly verifier: JwtVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<IncomingMessage & AuthenticatedRequest>();
    const header = req.headers.authorization;
    const match = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) {
      throw new CascadeError(
        'UNAUTHENTICATED',
        'send an access token: Authorization: Bearer <jwt>',
      );
    }
    const claims = await this.verifier.verify(match[1]!, AccessTokenClaims);
    req[CALLER] = { tenantId: claims.tenant, userId: claims.sub };
    return true;
  }
}
