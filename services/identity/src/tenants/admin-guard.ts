import { timingSafeEqual } from 'node:crypto';

import { CascadeError } from '@cascade/contracts';
import { SERVICE_CONFIG } from '@cascade/server-kit';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';

import { authorization } from '../common/http';
import type { IdentityConfig } from '../config';

/** The operator API: `Authorization: Bearer <IDENTITY_ADMIN_TOKEN>`; off without that token. */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(@Inject(SERVICE_CONFIG) private readonly config: IdentityConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.config.IDENTITY_ADMIN_TOKEN;
    if (expected === undefined) {
      throw new CascadeError('FORBIDDEN', 'the operator API is disabled (no IDENTITY_ADMIN_TOKEN)');
    }
    const credentials = authorization(context.switchToHttp().getRequest<Request>());
    if (!credentials || credentials.scheme !== 'bearer') {
      throw new CascadeError('UNAUTHENTICATED', 'send Authorization: Bearer <operator token>');
    }
    const a = Buffer.from(credentials.value);
    const b = Buffer.from(expected);
    if (a.length !== b.length || !timingSafeEqual(a, b)) {
      throw new CascadeError('UNAUTHENTICATED', 'wrong operator token');
    }
    return true;
  }
}
