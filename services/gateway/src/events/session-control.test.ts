import {
  type CredentialRevokedEvent,
  type ParticipantInfo,
  createSubjects,
} from '@cascade/contracts';

import type { JoinTokenFacts } from '../auth/join-token-facts';
import type { ParticipantRef } from '../signaling/channels';
import type { SocketData } from '../signaling/socket-data';
import { type LocalSocket, SessionControl } from './session-control';

const subjects = createSubjects('test');
const T = 'acme';
const R = 'standup';

const info = (participantId: string, userId: string): ParticipantInfo => ({
  participantId,
  userId,
  displayName: userId,
  joinedAt: 1,
});

function roomSocket(id: string, userId: string, token?: Partial<JoinTokenFacts>): LocalSocket {
  return {
    id,
    data: {
      identity: {
        kind: 'room',
        tenantId: T,
        userId,
        roomId: R,
        grants: { room: R, join: true, publish: true, subscribe: true, admin: false },
        displayName: userId,
        ...(token ? { token: { issuedAt: 1_000, expiresAt: 9_000_000, ...token } } : {}),
      },
    } as SocketData,
    disconnect: () => undefined,
  };
}

function setup(sockets: LocalSocket[] = []) {
  const expelled: Array<ParticipantRef & { reason: string }> = [];
  const putOut: Array<{ id: string; reason: string }> = [];
  const recorded: CredentialRevokedEvent[] = [];
  const closed: string[] = [];
  for (const s of sockets) s.disconnect = () => void closed.push(s.id);
  const control = new SessionControl(
    subjects,
    async (tenantId, roomId) =>
      tenantId === T && roomId === R
        ? [info('p_a1', 'u_alice'), info('p_a2', 'u_alice'), info('p_b', 'u_bob')]
        : [],
    { expel: async (ref, reason) => (expelled.push({ ...ref, reason }), true) },
    { record: async (e) => void recorded.push(e) },
    () => sockets,
    async (socket, reason) => void putOut.push({ id: socket.id, reason }),
    { info: () => undefined },
  );
  return { control, expelled, putOut, recorded, closed };
}

describe('session control: room removals', () => {
  it("expels every session of a banned user in the room, and no one else's", async () => {
    const { control, expelled } = setup();
    const routed = await control.roomRemoval(subjects.roomRemovals(T, R), {
      type: 'user.banned',
      tenantId: T,
      roomId: R,
      userId: 'u_alice',
    });
    expect(routed).toBe('forwarded');
    expect(expelled.map((e) => [e.participantId, e.reason])).toEqual([
      ['p_a1', 'banned'],
      ['p_a2', 'banned'],
    ]);
  });

  it('expels everyone when the room closes, and a removed member as kicked', async () => {
    const closedRoom = setup();
    await closedRoom.control.roomRemoval(subjects.roomRemovals(T, R), {
      type: 'room.closed',
      tenantId: T,
      roomId: R,
    });
    expect(closedRoom.expelled.map((e) => e.reason)).toEqual([
      'room_closed',
      'room_closed',
      'room_closed',
    ]);
    const removed = setup();
    await removed.control.roomRemoval(subjects.roomRemovals(T, R), {
      type: 'member.removed',
      tenantId: T,
      roomId: R,
      userId: 'u_bob',
    });
    expect(removed.expelled.map((e) => [e.participantId, e.reason])).toEqual([['p_b', 'kicked']]);
  });

  it("drops an event on another room's subject, or malformed", async () => {
    const { control, expelled } = setup();
    const event = { type: 'room.closed', tenantId: T, roomId: R };
    expect(await control.roomRemoval(subjects.roomRemovals(T, 'other'), event)).toBe(
      'wrong-subject',
    );
    expect(await control.roomRemoval(subjects.roomRemovals(T, R), { type: 'room.closed' })).toBe(
      'invalid',
    );
    expect(expelled).toEqual([]);
  });
});

describe('session control: revocations', () => {
  it('records the revocation and puts out the room sockets the API key opened, only those', async () => {
    const sockets = [
      roomSocket('s1', 'u_alice', { apiKeyId: 'key_1' }),
      roomSocket('s2', 'u_bob', { apiKeyId: 'key_2' }),
      roomSocket('s3', 'u_carol'),
    ];
    const { control, putOut, recorded } = setup(sockets);
    const event: CredentialRevokedEvent = {
      type: 'api-key',
      tenantId: T,
      apiKeyId: 'key_1',
      revokedAt: 5_000,
    };
    expect(await control.revocation(subjects.credentialRevocations(T), event)).toBe('forwarded');
    expect(recorded).toEqual([event]);
    expect(putOut).toEqual([{ id: 's1', reason: 'revoked' }]);
  });

  it("closes a revoked sign-in session's user connections, and its room sockets", async () => {
    const app: LocalSocket = {
      id: 'u1',
      data: {
        identity: { kind: 'user', tenantId: T, userId: 'u_alice', signInSessionId: 'ses_1' },
      } as SocketData,
      disconnect: () => undefined,
    };
    const other: LocalSocket = {
      id: 'u2',
      data: {
        identity: { kind: 'user', tenantId: T, userId: 'u_alice', signInSessionId: 'ses_2' },
      } as SocketData,
      disconnect: () => undefined,
    };
    const room = roomSocket('s1', 'u_alice', { signInSessionId: 'ses_1' });
    const { control, putOut, closed } = setup([app, other, room]);
    await control.revocation(subjects.credentialRevocations(T), {
      type: 'sign-in-session',
      tenantId: T,
      sessionId: 'ses_1',
      revokedAt: 5_000,
    });
    expect(closed).toEqual(['u1']);
    expect(putOut).toEqual([{ id: 's1', reason: 'revoked' }]);
  });

  it("a user's revocation spares the tokens issued after it, and other tenants' sockets", async () => {
    const sockets = [
      roomSocket('before', 'u_alice', { issuedAt: 1_000 }),
      roomSocket('after', 'u_alice', { issuedAt: 9_000 }),
    ];
    const { control, putOut } = setup(sockets);
    await control.revocation(subjects.credentialRevocations('other'), {
      type: 'user',
      tenantId: 'other',
      userId: 'u_alice',
      revokedAt: 5_000,
    });
    expect(putOut).toEqual([]);
    await control.revocation(subjects.credentialRevocations(T), {
      type: 'user',
      tenantId: T,
      userId: 'u_alice',
      revokedAt: 5_000,
    });
    expect(putOut).toEqual([{ id: 'before', reason: 'revoked' }]);
  });
});
