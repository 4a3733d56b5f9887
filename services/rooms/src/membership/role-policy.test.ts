import { mayBan, mayRemove, maySetRole } from './role-policy';

const owner = { userId: 'o', role: 'owner' as const };
const mod = { userId: 'm', role: 'moderator' as const };
const member = { userId: 'u', role: 'member' as const };
const stranger = { userId: 's', role: null };

describe('role policy', () => {
  it.each([
    ['owner makes a stranger moderator', owner, stranger, 'moderator', true],
    ['owner demotes a moderator', owner, mod, 'member', true],
    ['moderator adds a member', mod, stranger, 'member', true],
    ['moderator promotes a member', mod, member, 'moderator', false],
    ['member adds someone', member, stranger, 'member', false],
    ['nobody changes the owner', owner, owner, 'member', false],
  ] as const)('%s → %s', (_n, actor, target, role, expected) => {
    expect(maySetRole(actor, target, role)).toBe(expected);
  });

  it.each([
    ['a member leaves', member, member, true],
    ['the owner cannot leave', owner, owner, false],
    ['a moderator removes a member', mod, member, true],
    ['a moderator removes a moderator', mod, { userId: 'm2', role: 'moderator' as const }, false],
    ['a member removes another', member, { userId: 'u2', role: 'member' as const }, false],
  ])('remove: %s → %s', (_n, actor, target, expected) => {
    expect(mayRemove(actor, target)).toBe(expected);
  });

  it.each([
    ['owner bans a moderator', owner, mod, true],
    ['moderator bans a stranger', mod, stranger, true],
    ['moderator bans a moderator', mod, { userId: 'm2', role: 'moderator' as const }, false],
    ['anyone bans the owner', mod, owner, false],
    ['a member bans', member, stranger, false],
  ])('ban: %s → %s', (_n, actor, target, expected) => {
    expect(mayBan(actor, target)).toBe(expected);
  });
});
