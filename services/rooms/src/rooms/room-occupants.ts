import { ROOM_PREVIEW_USERS } from '@cascade/contracts';

import { Prisma, type PrismaClient } from '../generated/prisma/client';

/** Who is in a room now, as a room card shows it. */
export interface Occupants {
  /** Participants present (a user in the room twice, from two devices, counts twice). */
  count: number;
  /** The first users to have joined among those present, distinct, earliest first. */
  previewUserIds: string[];
}

interface OccupantsRow {
  roomId: string;
  count: number;
  preview: string[];
}

export const NOBODY: Occupants = Object.freeze({ count: 0, previewUserIds: [] }) as Occupants;

/**
 * The occupants of many rooms at once, from presence (`room_participants` in state `present`):
 * one query for a whole page of rooms, through the `(tenant_id, room_id, state)` index.
 */
export class RoomOccupants {
  constructor(
    private readonly db: PrismaClient,
    private readonly previewSize = ROOM_PREVIEW_USERS,
  ) {}

  /** The occupants of each room; a room nobody is in is absent from the map. */
  async of(tenantId: string, roomIds: readonly string[]): Promise<Map<string, Occupants>> {
    if (roomIds.length === 0) return new Map();
    // Each user once per room, placed by their earliest join among their present participants.
    const rows = await this.db.$queryRaw<OccupantsRow[]>`
      SELECT u.room_id AS "roomId", sum(u.participants)::int AS count,
             (array_agg(u.user_id ORDER BY u.first_joined_at, u.user_id))[1:${this.previewSize}::int]
               AS preview
        FROM (SELECT room_id, user_id, count(*) AS participants,
                     min(coalesce(joined_at, created_at)) AS first_joined_at
                FROM room_participants
               WHERE tenant_id = ${tenantId} AND room_id IN (${Prisma.join(roomIds)})
                 AND state = 'present'
               GROUP BY room_id, user_id) u
       GROUP BY u.room_id`;
    return new Map(rows.map((r) => [r.roomId, { count: r.count, previewUserIds: r.preview }]));
  }

  async ofRoom(tenantId: string, roomId: string): Promise<Occupants> {
    return (await this.of(tenantId, [roomId])).get(roomId) ?? NOBODY;
  }
}
