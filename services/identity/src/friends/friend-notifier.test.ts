import type { FriendUserEvent } from '@cascade/contracts';

import { FriendNotifier, type UserEventPublisher } from './friend-notifier';

function publisher(failFor: string[] = []) {
  const published: FriendUserEvent[] = [];
  const sink: UserEventPublisher = {
    publish: (event) => {
      if (failFor.includes(event.userId)) return Promise.reject(new Error('NATS is down'));
      published.push(event);
      return Promise.resolve();
    },
  };
  return { published, sink };
}

const log = () => ({ warn: jest.fn<void, [object, string]>() });

describe('friend notifier', () => {
  it('publishes every notification of a change', async () => {
    const { published, sink } = publisher();
    await new FriendNotifier(sink, log()).notify({
      type: 'presence',
      tenantId: 't',
      userId: 'ann',
      friendIds: ['bob', 'cat'],
    });
    expect(published.map((e) => e.userId)).toEqual(['bob', 'cat']);
  });

  it('logs a failed publish and still publishes the others, without rejecting', async () => {
    const { published, sink } = publisher(['bob']);
    const logged = log();
    await expect(
      new FriendNotifier(sink, logged).notify({
        type: 'presence',
        tenantId: 't',
        userId: 'ann',
        friendIds: ['bob', 'cat'],
      }),
    ).resolves.toBeUndefined();
    expect(published.map((e) => e.userId)).toEqual(['cat']);
    expect(logged.warn).toHaveBeenCalledWith(
      { type: 'friend.presenceChanged', tenantId: 't', userId: 'bob', err: 'NATS is down' },
      'friend notification not published',
    );
  });
});
