import { silentLogger } from '../logger';
import { TokenRefresher, tokenLifetime } from './token-refresher';

/** A JWT-shaped token (the refresher reads, never verifies) with `iat` and `exp` in seconds. */
const jwtLike = (iat: number, exp: number, tag = '') =>
  `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(
    JSON.stringify({ iat, exp, sub: `u${tag}` }),
  ).toString('base64url')}.sig`;

const until = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`never: ${what}`);
};

/** A refresher on a clock the test sets, with tokens handed out from a queue. */
function setup(nowMs: number, fresh: Array<string | Error>, send = async (_t: string) => ({})) {
  const clock = { now: nowMs };
  const sent: string[] = [];
  const refresher = new TokenRefresher({
    token: async () => {
      const next = fresh.shift();
      if (next === undefined) throw new Error('no more tokens');
      if (next instanceof Error) throw next;
      return next;
    },
    send: async (token) => {
      await send(token);
      sent.push(token);
    },
    logger: silentLogger,
    now: () => clock.now,
    retryMs: 1,
  });
  return { refresher, sent, clock };
}

describe('TokenRefresher', () => {
  afterEach(() => jest.useRealTimers());

  it('reads iat and exp of a JWT in milliseconds, and nothing from what is not one', () => {
    expect(tokenLifetime(jwtLike(100, 400))).toEqual({ issuedAt: 100_000, expiresAt: 400_000 });
    expect(tokenLifetime('not-a-token')).toBeUndefined();
    expect(tokenLifetime('a.b.c')).toBeUndefined();
  });

  it('hands the gateway a fresh token before expiry (a quarter of its life, a minute at most), then the next one', async () => {
    // A 400 s token, 50 s before its expiry: the refresh (due a minute before) is due now.
    const { refresher, sent, clock } = setup(350_000, [jwtLike(300, 700), jwtLike(690, 1090)]);
    refresher.track(jwtLike(0, 400));
    await until(() => sent.length === 1, 'the first refresh');
    expect(sent).toEqual([jwtLike(300, 700)]);
    // The fresh token is not due before 640 s: nothing more until the clock gets there.
    await new Promise((r) => setTimeout(r, 30));
    expect(sent).toHaveLength(1);
    refresher.stop();
    clock.now = 640_000;
    refresher.track(jwtLike(300, 700));
    await until(() => sent.length === 2, 'the second refresh');
    refresher.stop();
  });

  it('tries again while the token lives when the token function or the gateway fails', async () => {
    let refusals = 1;
    const { refresher, sent } = setup(
      350_000,
      [new Error('backend down'), jwtLike(300, 700, 'a'), jwtLike(300, 700, 'b')],
      async () => {
        if (refusals-- > 0) throw new Error('NODE_UNAVAILABLE');
        return {};
      },
    );
    refresher.track(jwtLike(0, 400));
    await until(() => sent.length === 1, 'a refresh after two failures');
    expect(sent).toEqual([jwtLike(300, 700, 'b')]);
    refresher.stop();
  });

  it('does nothing with a fixed token (a string cannot be refreshed) or after stop', async () => {
    const sent: string[] = [];
    const fixed = new TokenRefresher({
      token: jwtLike(0, 400),
      send: async (t) => void sent.push(t),
      logger: silentLogger,
      now: () => 399_000,
    });
    fixed.track(jwtLike(0, 400));
    const stopped = setup(399_000, [jwtLike(399, 800)]);
    stopped.refresher.track(jwtLike(0, 400));
    stopped.refresher.stop();
    await new Promise((r) => setTimeout(r, 30));
    expect([sent, stopped.sent]).toEqual([[], []]);
  });
});
