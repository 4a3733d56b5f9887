import type { FriendUserEvent } from '@cascade/contracts';

import { type FriendChange, friendEvents } from './friend-events';

/** Delivers one notification to its user (`event.userId`); rejects when it could not. */
export interface UserEventPublisher {
  publish(event: FriendUserEvent): Promise<void>;
}

export interface NotifierLog {
  warn(obj: object, msg: string): void;
}

/**
 * Tells the users concerned about a friend change, once it is committed. Notifications are a
 * nicety on top of the lists (which stay the truth): one that cannot be published is logged,
 * never an error for the change that caused it, so `notify` never rejects.
 */
export class FriendNotifier {
  constructor(
    private readonly publisher: UserEventPublisher,
    private readonly log: NotifierLog,
  ) {}

  async notify(change: FriendChange): Promise<void> {
    await Promise.all(
      friendEvents(change).map(async (event) => {
        try {
          await this.publisher.publish(event);
        } catch (error) {
          this.log.warn(
            {
              type: event.type,
              tenantId: event.tenantId,
              userId: event.userId,
              err: error instanceof Error ? error.message : String(error),
            },
            'friend notification not published',
          );
        }
      }),
    );
  }
}
