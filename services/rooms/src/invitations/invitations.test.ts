import { statusOf } from './invitations';

describe('invitation status', () => {
  const now = new Date('2025-01-01T12:00:00Z');
  it.each([
    ['pending before expiry', 'pending', '2025-01-01T12:00:01Z', 'pending'],
    ['pending at expiry', 'pending', '2025-01-01T12:00:00Z', 'expired'],
    ['accepted after expiry', 'accepted', '2025-01-01T11:00:00Z', 'accepted'],
  ] as const)('%s', (_n, status, expiresAt, expected) => {
    expect(statusOf({ status, expiresAt: new Date(expiresAt) }, now)).toBe(expected);
  });
});
