import { RoomRemovalEvent, createSubjects, parseOrThrow } from '@cascade/contracts';
import type { NatsBus } from '@cascade/server-kit';

/**
 * Tells the gateways that people were removed from a room (a ban, a membership removed, the
 * room closed), once the change is in the database: their live sessions end at once.
 */
export type RoomRemovalNotice = (event: RoomRemovalEvent) => void;

/** On `subjects.roomRemovals(tenant, room)`, for the gateways' queue group. */
export function natsRoomRemovals(bus: NatsBus, subjectPrefix: string): RoomRemovalNotice {
  const subjects = createSubjects(subjectPrefix);
  return (event) => {
    const body = parseOrThrow(RoomRemovalEvent, event, 'room removal');
    bus.publish(subjects.roomRemovals(body.tenantId, body.roomId), body);
  };
}

/** Nobody listens (unit tests). */
export const NO_ROOM_REMOVALS: RoomRemovalNotice = () => undefined;
