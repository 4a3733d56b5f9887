import {
  CascadeError,
  JoinTokenClaims,
  type RoomGrants,
  type SignalingParsedRequestOf,
  type SignalingResultOf,
} from '@cascade/contracts';

import type { Expulsion, ParticipantSessions } from '../sessions/participant-sessions';
import type { SessionStore, StoredSession } from '../sessions/session-store';
import { type SignalingSocket, roomIdentityOf } from '../signaling/socket-data';
import type { GatewaySocket } from '../signaling/socket-io.server';
import type { TokenVerifier } from './handshake';
import { type JoinTokenFacts, joinTokenFacts } from './join-token-facts';
import type { RevocationList, TokenHolder } from './revocation-list';

/**
 * A room socket lives no longer than its join token: this decides whether a session may go on
 * (at a resume), and takes a fresh token on the live socket (`session.refresh`).
 */
export class TokenLifetime {
  constructor(
    private readonly verifier: TokenVerifier,
    private readonly revocations: Pick<RevocationList, 'revoked'>,
    private readonly store: Pick<SessionStore, 'setToken'>,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Why a session may not go on (its token expired, or was revoked); undefined when it may. */
  async refusal(holder: TokenHolder): Promise<'session_expired' | 'revoked' | undefined> {
    if (holder.token && holder.token.expiresAt <= this.clock()) return 'session_expired';
    return (await this.revocations.revoked(holder)) === undefined ? undefined : 'revoked';
  }

  /**
   * `session.refresh`: the socket (and its session) now live by `token`, which must be a valid
   * join token of the same tenant, user and room, with the same grants, expiring no earlier.
   */
  async refresh(
    socket: SignalingSocket,
    request: SignalingParsedRequestOf<'session.refresh'>,
  ): Promise<SignalingResultOf<'session.refresh'>> {
    const identity = roomIdentityOf(socket);
    const token = await this.#check(identity, request.token);
    socket.data.identity = { ...identity, token };
    const session = socket.data.session;
    if (session) await this.store.setToken(session, token);
    return { expiresAt: token.expiresAt };
  }

  /**
   * A resume whose handshake also brings a join token: the session lives by that token from now
   * on when it is as good as a `session.refresh` would take; undefined (nothing changed) when not.
   */
  async adopt(session: StoredSession, joinToken: string): Promise<JoinTokenFacts | undefined> {
    try {
      const token = await this.#check(session, joinToken);
      return (await this.store.setToken(session, token)) ? token : undefined;
    } catch {
      return undefined;
    }
  }

  /** The facts of `joinToken` when it may replace the holder's token; throws why not. */
  async #check(holder: TokenOwner, joinToken: string): Promise<JoinTokenFacts> {
    const claims = await this.verifier.verify(joinToken, JoinTokenClaims);
    if (
      claims.tenant !== holder.tenantId ||
      claims.sub !== holder.userId ||
      claims.grants.room !== holder.roomId
    ) {
      throw new CascadeError(
        'FORBIDDEN',
        "a refreshed token must name this socket's tenant, user and room",
      );
    }
    if (!sameGrants(claims.grants, holder.grants)) {
      throw new CascadeError(
        'INVALID_ARGUMENT',
        'a refreshed token must carry the same grants; connect with the new token to change them',
      );
    }
    const token = joinTokenFacts(claims);
    if (holder.token && token.expiresAt < holder.token.expiresAt) {
      throw new CascadeError(
        'INVALID_ARGUMENT',
        'the refreshed token expires before the one the socket holds',
        { expiresAt: holder.token.expiresAt },
      );
    }
    if ((await this.revocations.revoked({ ...holder, token })) !== undefined) {
      throw new CascadeError('UNAUTHENTICATED', 'this join token was revoked');
    }
    return token;
  }
}

/** Whose token is replaced: a socket's room identity, or a stored session. */
interface TokenOwner extends TokenHolder {
  roomId: string;
  grants: RoomGrants;
}

function sameGrants(a: RoomGrants, b: RoomGrants): boolean {
  return (
    a.room === b.room &&
    a.join === b.join &&
    a.publish === b.publish &&
    a.subscribe === b.subscribe &&
    a.admin === b.admin
  );
}

/**
 * Puts a socket of this instance out: it is told why (`session.removed`), the session it holds
 * ends (the room is told, its media is closed, it cannot be resumed), and it is disconnected.
 */
export async function expelSocket(
  socket: GatewaySocket,
  sessions: Pick<ParticipantSessions, 'end'>,
  reason: Expulsion,
): Promise<void> {
  const binding = socket.data.session;
  // Taken off first: the disconnection then leaves no session waiting for a resume.
  socket.data.session = undefined;
  socket.emit('session.removed', { reason });
  try {
    if (binding) await sessions.end(binding, reason);
  } finally {
    socket.disconnect();
  }
}
