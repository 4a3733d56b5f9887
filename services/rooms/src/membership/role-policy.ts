import type { RoomRole } from '@cascade/contracts';

/**
 * Who may change whose place in a room. The owner manages everyone but itself; a moderator
 * adds members and removes or bans plain members and non-members; anyone may leave, but the
 * owner (who closes the room instead).
 */
export type Actor = { userId: string; role: RoomRole | null };
export type Target = { userId: string; role: RoomRole | null };

export function maySetRole(
  actor: Actor,
  target: Target,
  role: Exclude<RoomRole, 'owner'>,
): boolean {
  if (actor.userId === target.userId || target.role === 'owner') return false;
  if (actor.role === 'owner') return true;
  return actor.role === 'moderator' && target.role === null && role === 'member';
}

export function mayRemove(actor: Actor, target: Target): boolean {
  if (target.role === null || target.role === 'owner') return false;
  if (actor.userId === target.userId) return true;
  if (actor.role === 'owner') return true;
  return actor.role === 'moderator' && target.role === 'member';
}

export function mayBan(actor: Actor, target: Target): boolean {
  if (actor.userId === target.userId || target.role === 'owner') return false;
  if (actor.role === 'owner') return true;
  return actor.role === 'moderator' && (target.role === null || target.role === 'member');
}

export function mayManageBans(actor: Actor): boolean {
  return actor.role === 'owner' || actor.role === 'moderator';
}
