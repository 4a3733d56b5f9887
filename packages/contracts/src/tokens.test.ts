import { JoinTokenClaims, RoomGrants, participantRoleOf } from './tokens';
import { parseResult } from './validation';

const now = 1_800_000_000;
const valid = {
  iss: 'https://identity.cascade.test',
  aud: 'cascade',
  sub: 'user_1',
  tenant: 'acme',
  grants: { room: 'standup', join: true, publish: true, subscribe: true, admin: false },
  iat: now,
  exp: now + 600,
};

describe('join token claims', () => {
  it('accepts a well-formed token', () => {
    expect(JoinTokenClaims.parse(valid)).toEqual(valid);
  });

  it('refuses an expiry before the issue time', () => {
    const result = parseResult(JoinTokenClaims, { ...valid, exp: now - 1 }, 'join token');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toContain('exp: exp must be after iat');
  });

  it('refuses a token that lives longer than a day', () => {
    expect(JoinTokenClaims.safeParse({ ...valid, exp: now + 2 * 86_400 }).success).toBe(false);
  });

  it('refuses unknown grants rather than ignoring them', () => {
    expect(RoomGrants.safeParse({ ...valid.grants, superuser: true }).success).toBe(false);
  });

  it('refuses a tenant id that could escape a NATS subject or Redis key', () => {
    const result = parseResult(JoinTokenClaims, { ...valid, tenant: 'acme.>' });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.error.details?.['issues']).toEqual([
        { path: 'tenant', message: expect.stringContaining('letters, digits') },
      ]);
  });
});

describe('participantRoleOf', () => {
  it.each([
    [{ publish: false, subscribe: true }, 'viewer'],
    [{ publish: true, subscribe: true }, 'speaker'],
    [{ publish: true, subscribe: false }, 'speaker'],
    [{ publish: false, subscribe: false }, 'speaker'],
  ] as const)('makes a token granting %o a %s', (grants, role) => {
    expect(participantRoleOf(grants)).toBe(role);
  });
});
