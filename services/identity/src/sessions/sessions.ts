import {
  AccessTokenClaims,
  CascadeError,
  type SessionTokens,
  type UserRole,
} from '@cascade/contracts';
import { JwtVerifier } from '@cascade/server-kit';

import { hashSecret, newId, newSecret } from '../common/ids';
import type { PrismaClient } from '../generated/prisma/client';
import type { SigningKeys } from '../keys/signing-keys';
import { type UserRow, toProfile } from '../profiles/users';
import { NO_REVOCATION_NOTICE, type RevocationNotice } from './revocation-publisher';

export interface SessionSettings {
  issuer: string;
  audience: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
}

/** Who made a request with an access token, as checked against the database. */
export interface UserAuth {
  kind: 'user';
  userId: string;
  tenantId: string;
  sessionId: string;
  role: UserRole;
}

const REFRESH_PREFIX = 'rt_';

const unauthenticated = (message: string) => new CascadeError('UNAUTHENTICATED', message);

/**
 * Sessions: a session is a family of refresh tokens. Each refresh token is used once and
 * replaced; presenting one that was already used means it leaked, so the whole family is
 * revoked. Access tokens are JWTs signed with the active key and name their session (`sid`).
 */
export class Sessions {
  readonly #verifier: JwtVerifier;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly keys: SigningKeys,
    private readonly settings: SessionSettings,
    private readonly now: () => number = Date.now,
    private readonly revoked: RevocationNotice = NO_REVOCATION_NOTICE,
  ) {
    this.#verifier = new JwtVerifier({
      keys: keys.publicJwks(),
      issuer: settings.issuer,
      audience: settings.audience,
      now,
    });
  }

  async start(user: UserRow): Promise<SessionTokens> {
    const sessionId = newId('ses');
    const refreshToken = REFRESH_PREFIX + newSecret();
    await this.prisma.session.create({
      data: {
        id: sessionId,
        tenantId: user.tenantId,
        userId: user.id,
        refreshTokens: {
          create: {
            id: newId('rtk'),
            tokenHash: hashSecret(refreshToken),
            expiresAt: this.#refreshExpiry(),
          },
        },
      },
    });
    return this.#tokens(user, sessionId, refreshToken);
  }

  async refresh(refreshToken: string): Promise<SessionTokens> {
    const row = await this.prisma.refreshToken.findUnique({
      where: { tokenHash: hashSecret(refreshToken) },
      include: { session: { include: { user: true } } },
    });
    if (!row) throw unauthenticated('unknown refresh token');
    if (row.session.revokedAt) throw unauthenticated('the session was ended; sign in again');
    if (row.usedAt) return this.#reuseDetected(row.sessionId);
    if (row.expiresAt.getTime() <= this.now()) throw unauthenticated('refresh token expired');

    const next = REFRESH_PREFIX + newSecret();
    const rotated = await this.prisma.$transaction(async (tx) => {
      const claimed = await tx.refreshToken.updateMany({
        where: { id: row.id, usedAt: null },
        data: { usedAt: new Date(this.now()) },
      });
      if (claimed.count === 0) return false;
      await tx.refreshToken.create({
        data: {
          id: newId('rtk'),
          sessionId: row.sessionId,
          tokenHash: hashSecret(next),
          expiresAt: this.#refreshExpiry(),
        },
      });
      return true;
    });
    // Lost the race to another use of the same token: that is a reuse too.
    if (!rotated) return this.#reuseDetected(row.sessionId);
    return this.#tokens(row.session.user, row.sessionId, next);
  }

  /** Ends the session of this refresh token (every token of its family). Idempotent. */
  async logout(refreshToken: string): Promise<void> {
    if (!(await this.end(refreshToken))) throw unauthenticated('unknown refresh token');
  }

  /** Ends the session of this refresh token when it names one; whether it did. Idempotent. */
  async end(refreshToken: string): Promise<boolean> {
    const row = await this.prisma.refreshToken.findUnique({
      where: { tokenHash: hashSecret(refreshToken) },
    });
    if (!row) return false;
    await this.#revoke(row.sessionId, 'logout');
    return true;
  }

  /** Verifies an access token and that its session and user still exist. */
  async authenticate(accessToken: string): Promise<UserAuth> {
    const claims = await this.#verifier.verify(accessToken, AccessTokenClaims);
    const session = await this.prisma.session.findUnique({
      where: { id: claims.sid },
      include: { user: true },
    });
    if (
      !session ||
      session.userId !== claims.sub ||
      session.tenantId !== claims.tenant ||
      session.user.tenantId !== claims.tenant
    ) {
      throw unauthenticated('the session of this token does not exist');
    }
    if (session.revokedAt) throw unauthenticated('the session of this token was ended');
    return {
      kind: 'user',
      userId: session.userId,
      tenantId: session.tenantId,
      sessionId: session.id,
      role: session.user.role as UserRole,
    };
  }

  async #reuseDetected(sessionId: string): Promise<never> {
    await this.#revoke(sessionId, 'refresh token reuse');
    throw unauthenticated('refresh token was already used; the session has been revoked');
  }

  async #revoke(sessionId: string, reason: string): Promise<void> {
    await this.prisma.session.updateMany({
      where: { id: sessionId, revokedAt: null },
      data: { revokedAt: new Date(this.now()), revokeReason: reason },
    });
    // Announced even when it was already revoked: a lost announcement gets another chance.
    const session = await this.prisma.session.findUnique({
      where: { id: sessionId },
      select: { tenantId: true, revokedAt: true },
    });
    if (session?.revokedAt) {
      await this.revoked({
        type: 'sign-in-session',
        tenantId: session.tenantId,
        sessionId,
        revokedAt: session.revokedAt.getTime(),
      });
    }
  }

  #refreshExpiry(): Date {
    return new Date(this.now() + this.settings.refreshTokenTtlSeconds * 1000);
  }

  #tokens(user: UserRow, sessionId: string, refreshToken: string): SessionTokens {
    const iat = Math.floor(this.now() / 1000);
    const claims: AccessTokenClaims = {
      iss: this.settings.issuer,
      aud: this.settings.audience,
      sub: user.id,
      tenant: user.tenantId,
      sid: sessionId,
      jti: newId('at'),
      role: user.role as UserRole,
      iat,
      exp: iat + this.settings.accessTokenTtlSeconds,
    };
    return {
      tokenType: 'Bearer',
      accessToken: this.keys.sign(claims),
      expiresIn: this.settings.accessTokenTtlSeconds,
      refreshToken,
      refreshExpiresIn: this.settings.refreshTokenTtlSeconds,
      user: toProfile(user),
    };
  }
}
