import { tick, useFakeClients } from '../test/support/client-harness';
import { until } from '../test/support/fake-gateway';

const setup = useFakeClients();

/** A JWT-shaped token (the SDK reads `exp`, the gateway verifies) with `iat` and `exp` in seconds. */
const jwtLike = (iat: number, exp: number) =>
  `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(
    JSON.stringify({ iat, exp }),
  ).toString('base64url')}.sig`;

describe('CascadeClient join token refresh', () => {
  it('hands the gateway a fresh token from the token function before the one its socket lives by expires', async () => {
    const tokens = [jwtLike(0, 400), jwtLike(350, 750)];
    // The clock is 50 s before the first token's expiry: within the last quarter of its life.
    const { gateway, client } = setup(
      { token: async () => tokens.shift() ?? jwtLike(700, 1100) },
      { now: () => 350_000 },
    );
    gateway.answer('session.refresh', (_socket, body) => ({
      expiresAt:
        JSON.parse(Buffer.from(String(body['token']).split('.')[1]!, 'base64url').toString()).exp *
        1000,
    }));
    await client.join();
    await until(() => gateway.requestsOf('session.refresh').length === 1);
    expect(gateway.requestsOf('session.refresh').map((r) => r.payload)).toEqual([
      { token: jwtLike(350, 750) },
    ]);
    // The fresh token is not due yet (its last quarter starts at 650 s): no more refreshes.
    await tick(30);
    expect(gateway.requestsOf('session.refresh')).toHaveLength(1);
  });

  it('refreshes nothing with a fixed token (a string cannot be renewed)', async () => {
    const { gateway, client } = setup({ token: jwtLike(0, 400) }, { now: () => 399_000 });
    await client.join();
    await tick(30);
    expect(gateway.requestsOf('session.refresh')).toEqual([]);
  });
});
