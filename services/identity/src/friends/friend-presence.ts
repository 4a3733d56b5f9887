import { RoomActivityEvent, type Subjects, parseResult } from '@cascade/contracts';

import type { FriendChange } from './friend-events';

/** Presence changes reach at most this many friends of one user. */
export const PRESENCE_FAN_OUT_MAX = 1_000;

export interface FriendDirectory {
  /** Up to `limit` friend ids of a user, in one query. */
  friendIdsOf(tenantId: string, userId: string, limit: number): Promise<string[]>;
}

export interface PresenceLog {
  warn(obj: object, msg: string): void;
}

/**
 * Turns room activity into `friend.presenceChanged` for the friends of whoever entered or left a
 * room (they ask `GET /friends` again for where). Chat messages are not presence; an event that
 * does not match the contract, or arrives on another room's subject, is counted, logged and
 * ignored.
 */
export class FriendPresence {
  constructor(
    private readonly friends: FriendDirectory,
    private readonly notifier: { notify(change: FriendChange): Promise<void> },
    private readonly subjects: Pick<Subjects, 'roomActivity'>,
    private readonly ignored: { inc(): void },
    private readonly log: PresenceLog,
  ) {}

  /** Handles one message of `subjects.roomActivityAll()` (its subject and decoded body). */
  async handle(subject: string, payload: unknown): Promise<void> {
    const parsed = parseResult(RoomActivityEvent, payload, 'room activity event');
    if (!parsed.ok) return this.#ignore(subject, parsed.error.message);
    const event = parsed.value;
    if (this.subjects.roomActivity(event.tenantId, event.roomId) !== subject) {
      return this.#ignore(subject, 'room activity event on another room’s subject');
    }
    if (event.type !== 'participant.joined' && event.type !== 'participant.left') return;
    const friendIds = await this.friends.friendIdsOf(
      event.tenantId,
      event.userId,
      PRESENCE_FAN_OUT_MAX,
    );
    await this.notifier.notify({
      type: 'presence',
      tenantId: event.tenantId,
      userId: event.userId,
      friendIds,
    });
  }

  #ignore(subject: string, reason: string): void {
    this.ignored.inc();
    this.log.warn({ subject, reason }, 'room activity event ignored');
  }
}
