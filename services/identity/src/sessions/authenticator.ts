import { CascadeError } from '@cascade/contracts';
import { Injectable } from '@nestjs/common';
import type { Request } from 'express';

import { authorization } from '../common/http';
import { Sessions, type UserAuth } from './sessions';

/** Who calls: the user of a Bearer access token (checked against its session). */
@Injectable()
export class Authenticator {
  constructor(private readonly sessions: Sessions) {}

  async user(req: Request): Promise<UserAuth> {
    const credentials = authorization(req);
    if (!credentials) {
      throw new CascadeError(
        'UNAUTHENTICATED',
        'sign in first: send Authorization: Bearer <token>',
      );
    }
    if (credentials.scheme !== 'bearer') {
      throw new CascadeError('UNAUTHENTICATED', 'expected Authorization: Bearer <access token>');
    }
    return this.sessions.authenticate(credentials.value);
  }
}
