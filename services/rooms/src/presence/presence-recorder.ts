import type {
  ParticipantJoinedEvent,
  ParticipantLeftEvent,
  PresenceQueryRequest,
  PresenceQueryResult,
  RoomParticipant,
  RoomRole,
} from '@cascade/contracts';

import type { PrismaClient } from '../generated/prisma/client';
import { assertMayJoin } from '../rooms/room-policy';

/**
 * Who is in which room now, from the signaling path's join and leave events. Applying an event
 * twice, or a join after the same participant's leave, changes nothing: a participant that left
 * stays left (its row is kept as a marker).
 */
export class PresenceRecorder {
  constructor(private readonly db: PrismaClient) {}

  /** Returns whether the event changed anything. */
  async joined(event: ParticipantJoinedEvent): Promise<boolean> {
    const at = new Date(event.at);
    if (!(await this.#activeRoom(event.tenantId, event.roomId))) return false;
    const changed = await this.db.$executeRaw`
      INSERT INTO room_participants (tenant_id, room_id, participant_id, user_id, state, joined_at)
      VALUES (${event.tenantId}, ${event.roomId}, ${event.participantId}, ${event.userId},
              'present'::"ParticipantState", ${at})
      ON CONFLICT (tenant_id, room_id, participant_id) DO UPDATE
        SET state = 'present'::"ParticipantState", joined_at = EXCLUDED.joined_at, held_until = NULL
        WHERE room_participants.state = 'reserved'
          AND room_participants.user_id = EXCLUDED.user_id`;
    if (changed > 0) await this.#touch(event.tenantId, event.roomId, at);
    return changed > 0;
  }

  async left(event: ParticipantLeftEvent): Promise<boolean> {
    const at = new Date(event.at);
    if (!(await this.#activeRoom(event.tenantId, event.roomId))) return false;
    const changed = await this.db.$executeRaw`
      INSERT INTO room_participants (tenant_id, room_id, participant_id, user_id, state, left_at)
      VALUES (${event.tenantId}, ${event.roomId}, ${event.participantId}, ${event.userId},
              'left'::"ParticipantState", ${at})
      ON CONFLICT (tenant_id, room_id, participant_id) DO UPDATE
        SET state = 'left'::"ParticipantState", left_at = EXCLUDED.left_at, held_until = NULL
        WHERE room_participants.state <> 'left'
          AND room_participants.user_id = EXCLUDED.user_id`;
    if (changed > 0) await this.#touch(event.tenantId, event.roomId, at);
    return changed > 0;
  }

  async participants(tenantId: string, roomId: string): Promise<RoomParticipant[]> {
    const rows = await this.db.roomParticipant.findMany({
      where: { tenantId, roomId, state: 'present' },
      orderBy: [{ joinedAt: 'asc' }, { participantId: 'asc' }],
    });
    return rows.map((r) => ({
      participantId: r.participantId,
      userId: r.userId,
      joinedAt: (r.joinedAt ?? r.createdAt).toISOString(),
    }));
  }

  /** For each user in a room now, the room they joined last (active rooms only). */
  async query(request: PresenceQueryRequest): Promise<PresenceQueryResult> {
    if (request.userIds.length === 0) return { presence: [] };
    const rows = await this.db.roomParticipant.findMany({
      where: {
        tenantId: request.tenantId,
        userId: { in: request.userIds },
        state: 'present',
        room: { status: 'active' },
      },
      orderBy: [{ userId: 'asc' }, { joinedAt: 'desc' }],
      include: { room: { select: { title: true, visibility: true } } },
    });
    const seen = new Set<string>();
    const latest = rows.filter((row) => !seen.has(row.userId) && seen.add(row.userId));
    const joinable = await this.#joinableBy(
      request.tenantId,
      request.viewerId,
      latest.map((row) => ({ id: row.roomId, visibility: row.room.visibility })),
    );
    return {
      presence: latest.map((row) =>
        joinable.has(row.roomId)
          ? {
              userId: row.userId,
              roomId: row.roomId,
              roomTitle: row.room.title,
              roomVisibility: row.room.visibility,
            }
          : { userId: row.userId, hidden: true as const },
      ),
    };
  }

  /**
   * Which of these (active) rooms the viewer may join, as the join authorization decides it
   * (`assertMayJoin`, without counting a place the viewer holds): public rooms unless banned,
   * private ones as a member or invitee. Without a viewer: the public rooms.
   */
  async #joinableBy(
    tenantId: string,
    viewerId: string | undefined,
    rooms: Array<{ id: string; visibility: 'public' | 'private' }>,
  ): Promise<Set<string>> {
    const roomIds = [...new Set(rooms.map((r) => r.id))];
    if (viewerId === undefined || roomIds.length === 0) {
      return new Set(rooms.filter((r) => r.visibility === 'public').map((r) => r.id));
    }
    const where = { tenantId, roomId: { in: roomIds } };
    const [members, bans, invitations] = await Promise.all([
      this.db.roomMember.findMany({
        where: { ...where, userId: viewerId },
        select: { roomId: true, role: true },
      }),
      this.db.roomBan.findMany({ where: { ...where, userId: viewerId }, select: { roomId: true } }),
      this.db.invitation.findMany({
        where: { ...where, inviteeId: viewerId, status: 'pending', expiresAt: { gt: new Date() } },
        select: { roomId: true },
      }),
    ]);
    const role = new Map(members.map((m) => [m.roomId, m.role as RoomRole]));
    const banned = new Set(bans.map((b) => b.roomId));
    const invited = new Set(invitations.map((i) => i.roomId));
    const joinable = new Set<string>();
    for (const room of rooms) {
      try {
        assertMayJoin(
          { id: room.id, visibility: room.visibility, status: 'active' },
          {
            role: role.get(room.id) ?? null,
            banned: banned.has(room.id),
            invited: invited.has(room.id),
            participating: false,
          },
        );
        joinable.add(room.id);
      } catch {
        // Not for this viewer: the user shows as in a call, without the room.
      }
    }
    return joinable;
  }

  async #activeRoom(tenantId: string, roomId: string): Promise<boolean> {
    const room = await this.db.room.findUnique({
      where: { tenantId_id: { tenantId, id: roomId } },
      select: { status: true },
    });
    return room?.status === 'active';
  }

  async #touch(tenantId: string, roomId: string, at: Date): Promise<void> {
    await this.db.room.updateMany({
      where: { tenantId, id: roomId, lastActiveAt: { lt: at } },
      data: { lastActiveAt: at },
    });
  }
}
