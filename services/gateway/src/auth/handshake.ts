import {
  CascadeError,
  JoinTokenClaims,
  SUPPORTED_PROTOCOL_VERSIONS,
  SignalingHandshake,
  isSupportedProtocolVersion,
  parseOrThrow,
} from '@cascade/contracts';
import type { z } from 'zod';

import type { SocketIdentity } from '../signaling/socket-data';

/** Verifies a JWT against a claims schema (the kit's `JwtVerifier`). */
export interface TokenVerifier {
  verify<T>(token: string, schema: z.ZodType<T>): Promise<T>;
}

/** A session a resume token took back: who it belongs to. */
export interface ResumedIdentity extends SocketIdentity {
  participantId: string;
  nodeId: string;
  workerIndex: number;
}

/** Takes back the session a resume token names for a socket; undefined when it is over. */
export type ResumeClaimer = (
  resumeToken: string,
  socketId: string,
) => Promise<ResumedIdentity | undefined>;

export interface HandshakeOutcome {
  identity: SocketIdentity;
  /** Present when the socket took back a session with its resume token. */
  resumed?: ResumedIdentity;
}

/**
 * Decides who a connecting socket is, from its handshake `auth` alone: the protocol version it
 * speaks, then a resume token naming a live session (the session's identity), else a join token
 * (signature, expiry, issuer, audience; the claims; the join grant). Every refusal is a
 * `CascadeError` whose envelope the client gets as `connect_error` data.
 */
export class HandshakeAuthenticator {
  constructor(
    private readonly verifier: TokenVerifier,
    private readonly claimResume: ResumeClaimer,
  ) {}

  async authenticate(auth: unknown, socketId: string): Promise<HandshakeOutcome> {
    const version = (auth as { protocolVersion?: unknown } | null | undefined)?.protocolVersion;
    if (typeof version === 'number' && !isSupportedProtocolVersion(version)) {
      throw new CascadeError(
        'UNSUPPORTED_PROTOCOL',
        `protocol version ${version} is not served here (supported: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`,
        { supported: [...SUPPORTED_PROTOCOL_VERSIONS] },
      );
    }
    const handshake = parseOrThrow(SignalingHandshake, auth ?? {}, 'handshake');

    if (handshake.resumeToken !== undefined) {
      const resumed = await this.claimResume(handshake.resumeToken, socketId);
      if (resumed) {
        const { participantId: _p, nodeId: _n, workerIndex: _w, ...identity } = resumed;
        return { identity, resumed };
      }
      if (handshake.token === undefined) {
        throw new CascadeError(
          'NOT_FOUND',
          'session expired: its grace period is over; connect with a join token and join again',
        );
      }
    }

    const claims = await this.verifier.verify(handshake.token!, JoinTokenClaims);
    if (!claims.grants.join) {
      throw new CascadeError('FORBIDDEN', 'this token does not grant joining the room', {
        grant: 'join',
      });
    }
    return {
      identity: {
        tenantId: claims.tenant,
        userId: claims.sub,
        roomId: claims.grants.room,
        grants: claims.grants,
        displayName: claims.name ?? claims.sub,
      },
    };
  }
}
