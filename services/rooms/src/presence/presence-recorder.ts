import type {
  ParticipantJoinedEvent,
  ParticipantLeftEvent,
  PresenceQueryRequest,
  PresenceQueryResult,
  RoomParticipant,
} from '@cascade/contracts';

import type { PrismaClient } from '../generated/prisma/client';

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
    const presence: PresenceQueryResult['presence'] = [];
    for (const row of rows) {
      if (seen.has(row.userId)) continue;
      seen.add(row.userId);
      presence.push({
        userId: row.userId,
        roomId: row.roomId,
        roomTitle: row.room.title,
        roomVisibility: row.room.visibility,
      });
    }
    return { presence };
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
