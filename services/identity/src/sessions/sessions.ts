import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

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
  /**
   * Seconds after a refresh token's first use during which another use (a second tab) gets the
   * same successor instead of ending the session. 0: every second use ends it.
   */
  refreshReuseGraceSeconds?: number;
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

/** The key that seals a refresh token's successor: derived from the token, which is stored only hashed. */
const successorKey = (refreshToken: string) =>
  createHash('sha256').update('cascade refresh successor\0').update(refreshToken, 'utf8').digest();

/** `successor` sealed (AES-256-GCM) so that only the holder of `refreshToken` can open it. */
export function sealSuccessor(refreshToken: string, successor: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', successorKey(refreshToken), iv);
  const sealed = Buffer.concat([cipher.update(successor, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
}

/** The successor sealed by `sealSuccessor`, or undefined when it does not open with this token. */
export function openSuccessor(refreshToken: string, sealed: string): string | undefined {
  const bytes = Buffer.from(sealed, 'base64url');
  if (bytes.length <= 28) return undefined;
  try {
    const decipher = createDecipheriv(
      'aes-256-gcm',
      successorKey(refreshToken),
      bytes.subarray(0, 12),
    );
    decipher.setAuthTag(bytes.subarray(12, 28));
    return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

/**
 * Sessions: a session is a family of refresh tokens. Each refresh token is used once and
 * replaced; presenting one that was already used means it leaked, so the whole family is
 * revoked. Access tokens are JWTs signed with the active key and name their session (`sid`).
 *
 * Two uses of one token within `refreshReuseGraceSeconds` (two tabs refreshing at once) both get
 * the same successor: the first use stores it sealed with a key derived from the used token, in
 * the same row update that marks the token used, so whichever replica answers the second use
 * (blocked on that row until the first commits) opens the same successor. Later, a second use is
 * a reuse.
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
    if (row.usedAt) return this.#usedAgain(row, refreshToken);
    if (row.expiresAt.getTime() <= this.now()) throw unauthenticated('refresh token expired');

    const next = REFRESH_PREFIX + newSecret();
    const rotated = await this.prisma.$transaction(async (tx) => {
      // Locks the row: a concurrent use waits here until this one commits, then claims nothing.
      const claimed = await tx.refreshToken.updateMany({
        where: { id: row.id, usedAt: null },
        data: { usedAt: new Date(this.now()), successorSealed: sealSuccessor(refreshToken, next) },
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
    if (rotated) return this.#tokens(row.session.user, row.sessionId, next);
    // Lost the race to another use of the same token, which has committed its successor.
    const used = await this.prisma.refreshToken.findUnique({
      where: { id: row.id },
      include: { session: { include: { user: true } } },
    });
    if (!used?.usedAt) throw unauthenticated('unknown refresh token');
    return this.#usedAgain(used, refreshToken);
  }

  /** A second use of a used token: its successor within the grace, a reuse after it. */
  async #usedAgain(
    row: {
      sessionId: string;
      usedAt: Date | null;
      successorSealed: string | null;
      session: { revokedAt: Date | null; user: UserRow };
    },
    refreshToken: string,
  ): Promise<SessionTokens> {
    if (row.session.revokedAt) throw unauthenticated('the session was ended; sign in again');
    const graceMs = (this.settings.refreshReuseGraceSeconds ?? 0) * 1000;
    const within = row.usedAt !== null && this.now() - row.usedAt.getTime() < graceMs;
    const successor =
      within && row.successorSealed !== null
        ? openSuccessor(refreshToken, row.successorSealed)
        : undefined;
    if (successor === undefined) return this.#reuseDetected(row.sessionId);
    return this.#tokens(row.session.user, row.sessionId, successor);
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
