import type { Room as RoomView } from '@cascade/contracts';

import type { Room } from '../generated/prisma/client';
import type { Occupants } from './room-occupants';

export function toRoomView(room: Room, occupants: Occupants, myRole: RoomView['myRole']): RoomView {
  return {
    id: room.id,
    tenantId: room.tenantId,
    ownerId: room.ownerId,
    title: room.title,
    topic: room.topic,
    language: room.language,
    capacity: room.capacity,
    viewerCapacity: room.viewerCapacity,
    visibility: room.visibility,
    status: room.status,
    participantCount: occupants.count,
    previewUserIds: [...occupants.previewUserIds],
    myRole,
    createdAt: room.createdAt.toISOString(),
    lastActiveAt: room.lastActiveAt.toISOString(),
  };
}
