import { CascadeError, type RoomGrants } from '@cascade/contracts';

import type { JoinTokenFacts } from '../auth/join-token-facts';
import type { ParticipantRef } from './channels';
import type { TokenBucket } from './token-bucket';

/** A room socket: bound by its join token (or the session it resumed) to one room's session. */
export interface RoomSocketIdentity {
  kind: 'room';
  tenantId: string;
  userId: string;
  /** The one room the token grants. */
  roomId: string;
  grants: RoomGrants;
  displayName: string;
  /**
   * The join token the socket lives by (its expiry ends it; a revocation of what minted it
   * too), replaced by `session.refresh`. Absent for a session stored by an older gateway.
   */
  token?: JoinTokenFacts;
}

/**
 * A user connection: the app's socket for a signed-in user (its access token), in no room. It
 * only receives the user's notifications and may send nothing but `user.ping`.
 */
export interface UserConnectionIdentity {
  kind: 'user';
  tenantId: string;
  userId: string;
  /** The sign-in session (access token `sid`) the connection was opened with, for logs. */
  signInSessionId: string;
}

/** Who a socket is, decided at the handshake: `kind` says which of the two ways it came in. */
export type SocketIdentity = RoomSocketIdentity | UserConnectionIdentity;

/** The session a socket holds, with what its requests are routed by. */
export interface SessionBinding extends ParticipantRef {
  userId: string;
  displayName: string;
  nodeId: string;
  workerIndex: number;
}

/** `socket.data`: set at the handshake, never from anything the client sends afterwards. */
export interface SocketData {
  identity: SocketIdentity;
  /** Room sockets only. */
  session?: SessionBinding;
  /** A room.join is running: a second one waits for nobody and is refused. */
  joining?: boolean;
  bucket: TokenBucket;
}

/** What request handlers may do with a socket. Socket.IO's `Socket` satisfies it. */
export interface SignalingSocket {
  readonly id: string;
  readonly connected: boolean;
  data: SocketData;
  join(channels: string | string[]): Promise<void> | void;
  leave(channel: string): Promise<void> | void;
}

/**
 * The room identity of a socket that room methods run on. The request pipeline never hands a
 * user connection to a room method; this is the domain's own guard, should one slip through.
 */
export function roomIdentityOf(socket: SignalingSocket): RoomSocketIdentity {
  const { identity } = socket.data;
  if (identity.kind !== 'room') {
    throw new CascadeError(
      'FORBIDDEN',
      'a user connection is in no room: connect with a join token',
    );
  }
  return identity;
}
