import { JoinTokenClaims, type JoinTokenResponse, type RoomGrants } from '@cascade/contracts';

import { invalidField } from '../common/errors';
import { newId } from '../common/ids';
import type { SigningKeys } from '../keys/signing-keys';
import type { UserRow } from '../profiles/users';

export interface JoinTokenSettings {
  issuer: string;
  audience: string;
  maxTtlSeconds: number;
}

/** Who minted a join token: an API key, or a user's sign-in session. */
export interface JoinTokenMinter {
  apiKeyId?: string;
  sessionId?: string;
}

/** Join tokens: short-lived JWTs that let one user of a tenant into one room with grants. */
export class JoinTokens {
  constructor(
    private readonly keys: SigningKeys,
    private readonly settings: JoinTokenSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * `minter` names the credential that asked (an API key, or the user's sign-in session): the
   * token carries it (`akid`, `sid`), so that revoking it ends the sessions the token opens.
   */
  mint(
    user: UserRow,
    grants: RoomGrants,
    ttlSeconds: number,
    minter: JoinTokenMinter = {},
  ): JoinTokenResponse {
    if (ttlSeconds > this.settings.maxTtlSeconds) {
      throw invalidField('ttlSeconds', `must be at most ${this.settings.maxTtlSeconds}`);
    }
    const iat = Math.floor(this.now() / 1000);
    const claims: JoinTokenClaims = JoinTokenClaims.parse({
      iss: this.settings.issuer,
      aud: this.settings.audience,
      sub: user.id,
      tenant: user.tenantId,
      name: user.displayName,
      grants,
      iat,
      exp: iat + ttlSeconds,
      jti: newId('jt'),
      ...(minter.apiKeyId === undefined ? {} : { akid: minter.apiKeyId }),
      ...(minter.sessionId === undefined ? {} : { sid: minter.sessionId }),
    });
    return {
      token: this.keys.sign(claims),
      expiresAt: new Date(claims.exp * 1000).toISOString(),
    };
  }
}
