import { CascadeError } from '@cascade/contracts';

import {
  type RoomFacts,
  type UserFacts,
  assertMayJoin,
  assertMayReadChat,
  canSee,
} from './room-policy';

const room = (over: Partial<RoomFacts> = {}): RoomFacts => ({
  id: 'r1',
  visibility: 'public',
  status: 'active',
  ...over,
});
const user = (over: Partial<UserFacts> = {}): UserFacts => ({
  role: null,
  banned: false,
  invited: false,
  participating: false,
  ...over,
});
const codeOf = (fn: () => void) => {
  try {
    fn();
    return 'ok';
  } catch (error) {
    return (error as CascadeError).code;
  }
};

describe('room policy', () => {
  it.each([
    ['public room, anyone', room(), user(), true],
    ['private room, stranger', room({ visibility: 'private' }), user(), false],
    ['private room, member', room({ visibility: 'private' }), user({ role: 'member' }), true],
    ['private room, invitee', room({ visibility: 'private' }), user({ invited: true }), true],
  ])('sees: %s', (_name, r, u, expected) => {
    expect(canSee(r, u)).toBe(expected);
  });

  it.each([
    ['a guest of a public room', room(), user(), 'ok'],
    ['anyone into a closed room', room({ status: 'closed' }), user({ role: 'owner' }), 'NOT_FOUND'],
    ['a banned user', room(), user({ banned: true }), 'FORBIDDEN'],
    ['a stranger into a private room', room({ visibility: 'private' }), user(), 'FORBIDDEN'],
    [
      'an invitee into a private room',
      room({ visibility: 'private' }),
      user({ invited: true }),
      'ok',
    ],
    [
      'a member into a private room',
      room({ visibility: 'private' }),
      user({ role: 'member' }),
      'ok',
    ],
  ])('join: %s → %s', (_name, r, u, expected) => {
    expect(codeOf(() => assertMayJoin(r, u))).toBe(expected);
  });

  it.each([
    ['a member', user({ role: 'member' }), 'ok'],
    ['a participant', user({ participating: true }), 'ok'],
    ['a stranger', user(), 'FORBIDDEN'],
    ['a banned participant', user({ participating: true, banned: true }), 'FORBIDDEN'],
  ])('chat history: %s → %s', (_name, u, expected) => {
    expect(codeOf(() => assertMayReadChat(room(), u))).toBe(expected);
  });
});
