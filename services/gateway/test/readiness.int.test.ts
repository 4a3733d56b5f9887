import { ServiceProcess, TcpProxy, useInfrastructure } from '@cascade/testing';

import { ISSUER, SignalingClient, TokenAuthority } from './support/stack';

/**
 * The gateway's readiness is about whether it can serve, not whether identity answered this
 * second: with identity's keys cached it stays ready while identity's JWKS endpoint is down, and
 * goes not-ready only when its own NATS or Redis is unreachable, or when the cached keys grow
 * older than GATEWAY_AUTH_JWKS_MAX_STALENESS_MS. Real NATS and Redis, each reached through a TCP
 * proxy (as is the JWKS), so that one test can take any of them away.
 */
const MAX_STALENESS_MS = 8_000;

interface Readyz {
  status: string;
  checks: Record<string, { ok: boolean; error?: string }>;
}

const infra = useInfrastructure({ nats: true, redis: true });
let tokens: TokenAuthority;
let gateway: ServiceProcess;
const proxies: Record<'jwks' | 'nats' | 'redis', TcpProxy> = {} as never;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const readyz = async () => {
  const res = await gateway.fetch('/readyz');
  return { status: res.status, body: (await res.json()) as Readyz };
};
const proxyTo = (url: string) => {
  const u = new URL(url);
  return TcpProxy.start(u.hostname, Number(u.port));
};

beforeAll(async () => {
  tokens = await TokenAuthority.start();
  const env = infra().env;
  proxies.jwks = await proxyTo(tokens.jwksUrl);
  proxies.nats = await proxyTo(env['NATS_URL']!);
  proxies.redis = await proxyTo(env['REDIS_URL']!);
  gateway = await ServiceProcess.spawn('gateway', {
    ...env,
    NATS_URL: proxies.nats.rewrite(env['NATS_URL']!),
    REDIS_URL: proxies.redis.rewrite(env['REDIS_URL']!),
    GATEWAY_AUTH_JWKS_URL: proxies.jwks.rewrite(tokens.jwksUrl),
    GATEWAY_AUTH_ISSUER: ISSUER,
    GATEWAY_AUTH_JWKS_MAX_STALENESS_MS: String(MAX_STALENESS_MS),
    GATEWAY_AUTHORIZE_JOINS: 'false',
  });
  await gateway.waitForReadiness(200, 60_000);
}, 90_000);

afterAll(async () => {
  if (process.env['CASCADE_TEST_SHOW_LOGS']) console.log(gateway?.tail(80));
  await gateway?.kill();
  for (const proxy of Object.values(proxies)) await proxy?.stop();
  await tokens?.close();
});

describe('gateway readiness', () => {
  it('reports NATS, Redis and the signing keys, all fine', async () => {
    const { status, body } = await readyz();
    expect(status).toBe(200);
    expect(Object.keys(body.checks).sort()).toEqual(['jwks', 'nats', 'redis']);
  });

  it('stays ready on cached keys while identity’s JWKS is down, and still admits tokens', async () => {
    await proxies.jwks.cut();
    for (let probe = 0; probe < 5; probe++) {
      const { status, body } = await readyz();
      expect(status).toBe(200);
      expect(body.checks['jwks']).toMatchObject({ ok: true });
      await sleep(300);
    }
    // A new user connection is verified with the cached keys.
    const client = await SignalingClient.connect(gateway.url, {
      accessToken: tokens.mintAccessToken('acme', 'u_ready'),
    });
    client.close();
  }, 30_000);

  it('becomes not ready once the cached keys are older than the limit, ready when identity returns', async () => {
    const down = (await gateway.waitForReadiness(503, MAX_STALENESS_MS + 10_000)) as Readyz;
    expect(down.checks['jwks']).toMatchObject({
      ok: false,
      error: expect.stringMatching(/signing keys are stale/),
    });
    expect(down.checks['nats']).toMatchObject({ ok: true });
    expect(down.checks['redis']).toMatchObject({ ok: true });

    await proxies.jwks.restore();
    const up = (await gateway.waitForReadiness(200, 15_000)) as Readyz;
    expect(up.checks['jwks']).toMatchObject({ ok: true });
  }, 40_000);

  it.each(['nats', 'redis'] as const)(
    'is not ready while %s is unreachable, and ready again when it returns',
    async (dependency) => {
      await proxies[dependency].cut();
      const down = (await gateway.waitForReadiness(503, 20_000)) as Readyz;
      expect(down.checks[dependency]).toMatchObject({ ok: false });
      expect(down.checks['jwks']).toMatchObject({ ok: true });
      await proxies[dependency].restore();
      await gateway.waitForReadiness(200, 45_000);
    },
    90_000,
  );
});
