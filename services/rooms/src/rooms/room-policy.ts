import { CascadeError, type RoomRole } from '@cascade/contracts';

/** What decides who may see, join and read a room: facts about the room and about one user. */
export interface RoomFacts {
  id: string;
  visibility: 'public' | 'private';
  status: 'active' | 'closed';
}

export interface UserFacts {
  role: RoomRole | null;
  banned: boolean;
  /** Holds an invitation that is pending and not expired. */
  invited: boolean;
  /** Is in the room now, or holds a seat granted by the join authorization. */
  participating: boolean;
}

/** Public rooms are seen by the whole tenant; private ones by members, invitees, participants. */
export function canSee(room: RoomFacts, user: UserFacts): boolean {
  return room.visibility === 'public' || user.role !== null || user.invited || user.participating;
}

/** Throws what a join is refused with, or returns when the user may take a place. */
export function assertMayJoin(room: RoomFacts, user: UserFacts): void {
  if (room.status === 'closed') throw new CascadeError('NOT_FOUND', `room ${room.id} is closed`);
  if (user.banned) throw new CascadeError('FORBIDDEN', `you are banned from room ${room.id}`);
  if (room.visibility === 'private' && user.role === null && !user.invited && !user.participating) {
    throw new CascadeError(
      'FORBIDDEN',
      `room ${room.id} is private: join it through an invitation or membership`,
    );
  }
}

/** Chat history is for members and for who is (or is about to be) in the room. */
export function assertMayReadChat(room: RoomFacts, user: UserFacts): void {
  if (user.banned) throw new CascadeError('FORBIDDEN', `you are banned from room ${room.id}`);
  if (user.role === null && !user.participating) {
    throw new CascadeError(
      'FORBIDDEN',
      `chat history of room ${room.id} is for its members and participants`,
    );
  }
}

export function roomNotFound(roomId: string): CascadeError {
  return new CascadeError('NOT_FOUND', `room ${roomId} not found`);
}
