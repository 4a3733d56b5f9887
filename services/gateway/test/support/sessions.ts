import type { RoomGrants } from '@cascade/contracts';

import type { NewSession, SessionStore } from '../../src/sessions/session-store';

const GRANTS: RoomGrants = { room: 'r', join: true, publish: true, subscribe: true, admin: false };
let seq = 0;

/**
 * A new session created by `store` (in tenant `acme`, on node `n1`), held by socket `socketId`,
 * in room `roomId`; a fresh room and socket each time unless given. Ids and resume hashes are
 * unique within the test file.
 */
export async function createSession(
  store: SessionStore,
  at: { roomId?: string; socketId?: string } = {},
): Promise<NewSession> {
  seq += 1;
  const s: NewSession = {
    tenantId: 'acme',
    roomId: at.roomId ?? `room-${seq}`,
    participantId: `p_${seq}`,
    userId: `u_${seq}`,
    displayName: 'Someone',
    grants: GRANTS,
    joinedAt: 1_000 + seq,
    nodeId: 'n1',
    workerIndex: 0,
    rtpCapabilities: { codecs: [], headerExtensions: [] },
    resumeHash: `hash-${seq}`,
    socketId: at.socketId ?? `s${seq}`,
  };
  await store.create(s);
  return s;
}
