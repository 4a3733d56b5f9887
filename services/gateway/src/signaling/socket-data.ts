import type { RoomGrants } from '@cascade/contracts';

import type { ParticipantRef } from './channels';
import type { TokenBucket } from './token-bucket';

/** Who a socket is, from its join token (or from the session it resumed). */
export interface SocketIdentity {
  tenantId: string;
  userId: string;
  /** The one room the token grants. */
  roomId: string;
  grants: RoomGrants;
  displayName: string;
}

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
