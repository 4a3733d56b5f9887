import { createSubjects } from '@cascade/contracts';

import type { FriendChange } from './friend-events';
import { FriendPresence, PRESENCE_FAN_OUT_MAX } from './friend-presence';

const subjects = createSubjects('test');
const subject = subjects.roomActivity('tnt_1', 'room_1');
const base = {
  tenantId: 'tnt_1',
  roomId: 'room_1',
  userId: 'ann',
  participantId: 'prt_1',
  at: '2026-01-01T00:00:00.000Z',
};

function presence(friends: Record<string, string[]> = { ann: ['bob', 'cat'] }) {
  const changes: FriendChange[] = [];
  const lookups: Array<[string, string, number]> = [];
  const ignored = { inc: jest.fn() };
  const log = { warn: jest.fn() };
  const handler = new FriendPresence(
    {
      friendIdsOf: (tenantId, userId, limit) => {
        lookups.push([tenantId, userId, limit]);
        return Promise.resolve(friends[userId] ?? []);
      },
    },
    {
      notify: (change) => {
        changes.push(change);
        return Promise.resolve();
      },
    },
    subjects,
    ignored,
    log,
  );
  return { handler, changes, lookups, ignored, log };
}

describe('friend presence from room activity', () => {
  it.each(['participant.joined', 'participant.left'])(
    'tells the friends of a user who %s a room',
    async (type) => {
      const p = presence();
      const event =
        type === 'participant.left' ? { type, ...base, reason: 'left' } : { type, ...base };
      await p.handler.handle(subject, event);
      expect(p.lookups).toEqual([['tnt_1', 'ann', PRESENCE_FAN_OUT_MAX]]);
      expect(p.changes).toEqual([
        { type: 'presence', tenantId: 'tnt_1', userId: 'ann', friendIds: ['bob', 'cat'] },
      ]);
      expect(p.ignored.inc).not.toHaveBeenCalled();
    },
  );

  it('does not treat a chat message as presence (chat is not room activity: it is ignored)', async () => {
    const p = presence();
    await p.handler.handle(subject, {
      type: 'chat.message',
      ...base,
      messageId: 'msg_1',
      text: 'hello',
    });
    expect(p.lookups).toEqual([]);
    expect(p.changes).toEqual([]);
    expect(p.ignored.inc).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['not JSON', undefined],
    ['an unknown type', { type: 'participant.danced', ...base }],
    ['a bad user id', { type: 'participant.joined', ...base, userId: 'a.b' }],
    ['an extra field', { type: 'participant.joined', ...base, admin: true }],
  ])('counts, logs and ignores %s', async (_what, payload) => {
    const p = presence();
    await expect(p.handler.handle(subject, payload)).resolves.toBeUndefined();
    expect(p.ignored.inc).toHaveBeenCalledTimes(1);
    expect(p.log.warn).toHaveBeenCalledWith(
      expect.objectContaining({ subject }),
      'room activity event ignored',
    );
    expect(p.changes).toEqual([]);
  });

  it("ignores an event published on another room's subject", async () => {
    const p = presence();
    await p.handler.handle(subjects.roomActivity('tnt_1', 'room_2'), {
      type: 'participant.joined',
      ...base,
    });
    expect(p.ignored.inc).toHaveBeenCalledTimes(1);
    expect(p.lookups).toEqual([]);
  });
});
