import { createHmac } from 'node:crypto';

import { TurnCredentials, turnPassword } from './turn-credentials';

const SECRET = 'a-shared-secret-of-some-length-0123456789';
const NOW_MS = 1_700_000_000_500;

const turn = (over: Partial<ConstructorParameters<typeof TurnCredentials>[0]> = {}) =>
  new TurnCredentials(
    {
      urls: ['turn:turn.example.com:3478', 'turns:turn.example.com:443?transport=tcp'],
      secret: SECRET,
      ttlSeconds: 3600,
      ...over,
    },
    () => NOW_MS,
  );

describe('TurnCredentials', () => {
  it('mints `<expiry>:<id>` with base64 HMAC-SHA1 of the shared secret', () => {
    const c = turn().mint('p_0123abcd');
    expect(c.expiresAt).toBe(1_700_000_000 + 3600);
    expect(c.username).toBe('1700003600:p_0123abcd');
    expect(c.credential).toBe(createHmac('sha1', SECRET).update(c.username).digest('base64'));
    expect(c.urls).toEqual([
      'turn:turn.example.com:3478',
      'turns:turn.example.com:443?transport=tcp',
    ]);
  });

  it('matches a value computed independently', () => {
    // printf '1234567890:user' | openssl dgst -sha1 -hmac secret -binary | base64
    expect(turnPassword('secret', '1234567890:user')).toBe('tHbOsg6j8vjx6g3+R1ACZpLMHG0=');
  });

  it('gives each session its own credential, and a later one a later expiry', () => {
    let now = NOW_MS;
    const t = new TurnCredentials(
      { urls: ['turn:127.0.0.1:3478'], secret: SECRET, ttlSeconds: 60 },
      () => now,
    );
    const a = t.mint('p_a');
    const b = t.mint('p_b');
    expect(a.credential).not.toBe(b.credential);
    now += 10_000;
    const a2 = t.mint('p_a');
    expect(a2.expiresAt).toBe(a.expiresAt + 10);
    expect(a2.credential).not.toBe(a.credential);
  });

  it('hands clients the server entry without the expiry field', () => {
    expect(turn().iceServer('p_x')).toEqual({
      urls: ['turn:turn.example.com:3478', 'turns:turn.example.com:443?transport=tcp'],
      username: '1700003600:p_x',
      credential: turnPassword(SECRET, '1700003600:p_x'),
    });
  });

  it.each([
    ['no URL', { urls: [] }, /at least one URL/],
    ['a STUN URL', { urls: ['stun:stun.example.com:3478'] }, /not a TURN URI/],
    ['a URL with a path', { urls: ['turn:host/x'] }, /not a TURN URI/],
    ['a short secret', { secret: 'short' }, /at least 24/],
    ['a zero lifetime', { ttlSeconds: 0 }, /positive/],
  ])('refuses %s', (_what, over, message) => {
    expect(() => turn(over)).toThrow(message);
  });

  it('accepts IPv6 and transport parameters', () => {
    expect(() =>
      turn({ urls: ['turn:[2001:db8::1]:3478?transport=udp', 'turn:10.0.0.1'] }),
    ).not.toThrow();
  });

  it('refuses ids that would break the username', () => {
    expect(() => turn().mint('a:b')).toThrow(/not a TURN username id/);
    expect(() => turn().mint('')).toThrow(/not a TURN username id/);
  });
});
