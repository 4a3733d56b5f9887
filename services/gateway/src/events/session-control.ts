import {
  CredentialRevokedEvent,
  type ParticipantInfo,
  RoomRemovalEvent,
  type Subjects,
} from '@cascade/contracts';

import { type RevocationList, revokes } from '../auth/revocation-list';
import type { Expulsion, ParticipantSessions } from '../sessions/participant-sessions';
import type { ParticipantRef } from '../signaling/channels';
import type { SocketData } from '../signaling/socket-data';
import type { Routed } from './event-router';

/** A socket of this instance, as far as a revocation is concerned. */
export interface LocalSocket {
  readonly id: string;
  data: SocketData;
  disconnect(close?: boolean): unknown;
}

export interface SessionControlLog {
  info(fields: Record<string, unknown>, message: string): void;
}

const EXPULSION: Record<RoomRemovalEvent['type'], Expulsion> = {
  'user.banned': 'banned',
  'member.removed': 'kicked',
  'room.closed': 'room_closed',
};

/**
 * Ends live sessions when something outside the call says they must end:
 * - a room's moderation (rooms: a ban, a membership removed, the room closed) — taken by one
 *   instance, which expels the room's participants concerned wherever their sockets are;
 * - a revoked credential (identity: an API key, a sign-in session, a user) — taken by every
 *   instance, which records it (so that a token minted before it is refused at a handshake, a
 *   resume or a refresh) and puts out the sockets it holds that the credential opened.
 */
export class SessionControl {
  constructor(
    private readonly subjects: Subjects,
    private readonly roster: (tenantId: string, roomId: string) => Promise<ParticipantInfo[]>,
    private readonly sessions: Pick<ParticipantSessions, 'expel'>,
    private readonly revocations: Pick<RevocationList, 'record'>,
    private readonly sockets: () => Iterable<LocalSocket>,
    private readonly expelSocket: (socket: LocalSocket, reason: Expulsion) => Promise<void>,
    private readonly log: SessionControlLog,
  ) {}

  /** An event of `subjects.roomRemovalsAll()`. */
  async roomRemoval(subject: string, body: unknown): Promise<Routed> {
    const parsed = RoomRemovalEvent.safeParse(body);
    if (!parsed.success) return 'invalid';
    const e = parsed.data;
    if (!onSubject(subject, () => this.subjects.roomRemovals(e.tenantId, e.roomId)))
      return 'wrong-subject';
    const reason = EXPULSION[e.type];
    const concerned = (await this.roster(e.tenantId, e.roomId)).filter(
      (p) => e.type === 'room.closed' || p.userId === e.userId,
    );
    let expelled = 0;
    for (const { participantId } of concerned) {
      const ref: ParticipantRef = { tenantId: e.tenantId, roomId: e.roomId, participantId };
      if (await this.sessions.expel(ref, reason)) expelled++;
    }
    this.log.info({ ...e, expelled }, 'room removal carried out');
    return expelled > 0 ? 'forwarded' : 'ignored';
  }

  /** An event of `subjects.credentialRevocationsAll()`. */
  async revocation(subject: string, body: unknown): Promise<Routed> {
    const parsed = CredentialRevokedEvent.safeParse(body);
    if (!parsed.success) return 'invalid';
    const e = parsed.data;
    if (!onSubject(subject, () => this.subjects.credentialRevocations(e.tenantId)))
      return 'wrong-subject';
    await this.revocations.record(e);
    const rooms: LocalSocket[] = [];
    let connections = 0;
    for (const socket of this.sockets()) {
      const identity = socket.data.identity as SocketData['identity'] | undefined;
      if (!identity) continue;
      if (identity.kind === 'room') {
        if (revokes(e, identity)) rooms.push(socket);
      } else if (
        identity.tenantId === e.tenantId &&
        ((e.type === 'user' && identity.userId === e.userId) ||
          (e.type === 'sign-in-session' && identity.signInSessionId === e.sessionId))
      ) {
        // A user connection of the revoked user or sign-in session: closed, it cannot reopen.
        socket.disconnect(true);
        connections++;
      }
    }
    for (const socket of rooms) await this.expelSocket(socket, 'revoked');
    if (rooms.length + connections > 0)
      this.log.info({ ...e, roomSockets: rooms.length, connections }, 'revocation carried out');
    return rooms.length + connections > 0 ? 'forwarded' : 'ignored';
  }
}

function onSubject(subject: string, expected: () => string): boolean {
  try {
    return expected() === subject;
  } catch {
    return false;
  }
}
