import {
  AccessTokenClaims,
  CascadeError,
  JoinTokenClaims,
  SUPPORTED_PROTOCOL_VERSIONS,
  SignalingHandshake,
  isSupportedProtocolVersion,
  parseOrThrow,
} from '@cascade/contracts';
import type { z } from 'zod';

import type {
  RoomSocketIdentity,
  SocketIdentity,
  UserConnectionIdentity,
} from '../signaling/socket-data';
import { joinTokenFacts } from './join-token-facts';
import type { TokenHolder } from './revocation-list';

/** Verifies a JWT against a claims schema (the kit's `JwtVerifier`). */
export interface TokenVerifier {
  verify<T>(token: string, schema: z.ZodType<T>): Promise<T>;
}

/** A session a resume token took back: who it belongs to. */
export interface ResumedIdentity extends Omit<RoomSocketIdentity, 'kind'> {
  participantId: string;
  nodeId: string;
  workerIndex: number;
}

/**
 * Takes back the session a resume token names for a socket; undefined when it is over (or its
 * join token expired or was revoked). A join token given beside it may extend the session.
 */
export type ResumeClaimer = (
  resumeToken: string,
  socketId: string,
  joinToken?: string,
) => Promise<ResumedIdentity | undefined>;

/** The cap on a user's live user connections, across every gateway instance. */
export interface UserConnectionAdmission {
  /** Connections one user may hold at once. */
  readonly limit: number;
  /** Takes one of the user's slots for the socket; false when every slot is taken. */
  acquire(identity: UserConnectionIdentity, socketId: string): Promise<boolean>;
}

/** Handshakes per client address, counted across every gateway instance. */
export interface HandshakeRateLimit {
  /** Counts a handshake from `address`; throws `RATE_LIMITED` (with `retryAfterSeconds`) past it. */
  hit(address: string): Promise<void>;
}

const UNLIMITED: HandshakeRateLimit = { hit: async () => undefined };

/** Which revoked credential (if any) kills a token (see `RevocationList`). */
export type RevocationCheck = (holder: TokenHolder) => Promise<string | undefined>;

const NOTHING_REVOKED: RevocationCheck = async () => undefined;

export interface HandshakeVerifiers {
  /** Join tokens (audience `GATEWAY_AUTH_AUDIENCE`): room sockets. */
  joinTokens: TokenVerifier;
  /** Access tokens (audience `GATEWAY_ACCESS_AUDIENCE`): user connections. */
  accessTokens: TokenVerifier;
}

export interface HandshakeOutcome {
  identity: SocketIdentity;
  /** Present when the socket took back a session with its resume token. */
  resumed?: ResumedIdentity;
}

/**
 * Decides who a connecting socket is, from its handshake `auth` alone, once the client's address
 * is within its handshake rate (every attempt counts, before any token is looked at): the
 * protocol version it speaks, then
 * - an access token: a user connection (signature, expiry, issuer, the access audience, the
 *   claims), admitted while the user holds fewer than the cap of them;
 * - a resume token naming a live session: that session's room socket;
 * - else a join token (signature, expiry, issuer, the join audience, the claims, the join grant,
 *   and that nothing that minted it was revoked since).
 *
 * The two audiences keep the two kinds of token apart: a join token offered as an access token,
 * or the reverse, is refused. Every refusal is a `CascadeError` whose envelope the client gets as
 * `connect_error` data.
 */
export class HandshakeAuthenticator {
  constructor(
    private readonly verifiers: HandshakeVerifiers,
    private readonly claimResume: ResumeClaimer,
    private readonly userConnections: UserConnectionAdmission,
    private readonly perAddress: HandshakeRateLimit = UNLIMITED,
    private readonly revoked: RevocationCheck = NOTHING_REVOKED,
  ) {}

  /** `address`: the client's, as the trusted proxies tell it (`GATEWAY_TRUST_PROXY`). */
  async authenticate(auth: unknown, socketId: string, address?: string): Promise<HandshakeOutcome> {
    if (address !== undefined) await this.perAddress.hit(address);
    const version = (auth as { protocolVersion?: unknown } | null | undefined)?.protocolVersion;
    if (typeof version === 'number' && !isSupportedProtocolVersion(version)) {
      throw new CascadeError(
        'UNSUPPORTED_PROTOCOL',
        `protocol version ${version} is not served here (supported: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`,
        { supported: [...SUPPORTED_PROTOCOL_VERSIONS] },
      );
    }
    const handshake = parseOrThrow(SignalingHandshake, auth ?? {}, 'handshake');

    if (handshake.accessToken !== undefined) {
      return { identity: await this.#userConnection(handshake.accessToken, socketId) };
    }

    if (handshake.resumeToken !== undefined) {
      const resumed = await this.claimResume(handshake.resumeToken, socketId, handshake.token);
      if (resumed) {
        const { participantId: _p, nodeId: _n, workerIndex: _w, ...identity } = resumed;
        return { identity: { kind: 'room', ...identity }, resumed };
      }
      if (handshake.token === undefined) {
        throw new CascadeError(
          'NOT_FOUND',
          'session expired: its grace period is over; connect with a join token and join again',
        );
      }
    }

    const claims = await this.verifiers.joinTokens.verify(handshake.token!, JoinTokenClaims);
    if (!claims.grants.join) {
      throw new CascadeError('FORBIDDEN', 'this token does not grant joining the room', {
        grant: 'join',
      });
    }
    const token = joinTokenFacts(claims);
    const revoked = await this.revoked({ tenantId: claims.tenant, userId: claims.sub, token });
    if (revoked !== undefined) {
      throw new CascadeError('UNAUTHENTICATED', `this join token was revoked (its ${revoked})`);
    }
    return {
      identity: {
        kind: 'room',
        tenantId: claims.tenant,
        userId: claims.sub,
        roomId: claims.grants.room,
        grants: claims.grants,
        displayName: claims.name ?? claims.sub,
        token,
      },
    };
  }

  async #userConnection(accessToken: string, socketId: string): Promise<UserConnectionIdentity> {
    const claims = await this.verifiers.accessTokens.verify(accessToken, AccessTokenClaims);
    const token = {
      issuedAt: claims.iat * 1000,
      expiresAt: claims.exp * 1000,
      signInSessionId: claims.sid,
    };
    if (
      (await this.revoked({ tenantId: claims.tenant, userId: claims.sub, token })) !== undefined
    ) {
      throw new CascadeError('UNAUTHENTICATED', 'the sign-in session of this token was ended');
    }
    const identity: UserConnectionIdentity = {
      kind: 'user',
      tenantId: claims.tenant,
      userId: claims.sub,
      signInSessionId: claims.sid,
    };
    if (!(await this.userConnections.acquire(identity, socketId))) {
      const { limit } = this.userConnections;
      throw new CascadeError(
        'RATE_LIMITED',
        `this user already has ${limit} open connections (the most allowed): close one, or try again later`,
        { limit },
      );
    }
    return identity;
  }
}
