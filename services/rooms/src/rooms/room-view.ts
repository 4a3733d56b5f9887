import type { Room as RoomView } from '@cascade/contracts';

import type { Room } from '../generated/prisma/client';

export function toRoomView(
  room: Room,
  participantCount: number,
  myRole: RoomView['myRole'],
): RoomView {
  return {
    id: room.id,
    tenantId: room.tenantId,
    ownerId: room.ownerId,
    title: room.title,
    topic: room.topic,
    language: room.language,
    capacity: room.capacity,
    visibility: room.visibility,
    status: room.status,
    participantCount,
    myRole,
    createdAt: room.createdAt.toISOString(),
    lastActiveAt: room.lastActiveAt.toISOString(),
  };
}
