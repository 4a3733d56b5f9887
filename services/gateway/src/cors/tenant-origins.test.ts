import { CascadeError } from '@cascade/contracts';

import { corsForOrigins, requestedTenant } from '../signaling/socket-io.server';
import {
  NatsTenantOrigins,
  TENANT_ORIGINS_RETRY_MS,
  TENANT_ORIGINS_TTL_MS,
  TENANT_ORIGINS_WARN_INTERVAL_MS,
  type TenantOriginSource,
  type TenantOriginsLimits,
} from './tenant-origins';

/** identity on NATS, as the gateway asks it: a tenant's settings, or NOT_FOUND. */
function identity(tenants: Record<string, string[]>) {
  const asked: string[] = [];
  let mode: 'up' | 'down' | 'silent' = 'up';
  const bus = {
    request: async (subject: string, body: unknown) => {
      const { tenantId } = body as { tenantId: string };
      asked.push(`${subject} ${tenantId}`);
      if (mode === 'down') throw new CascadeError('TIMEOUT', 'no answer');
      // Silent: the request is out, its answer (or timeout) is not there yet.
      if (mode === 'silent') return new Promise<never>(() => undefined);
      const origins = tenants[tenantId];
      if (origins === undefined)
        return { ok: false, error: { code: 'NOT_FOUND', message: 'no such tenant' } };
      return {
        ok: true,
        data: { maxRoomCapacity: 100, allowedOrigins: origins, chatRetentionDays: null },
      };
    },
  };
  return {
    bus,
    asked,
    goDown: () => (mode = 'down'),
    goSilent: () => (mode = 'silent'),
    comeBack: () => (mode = 'up'),
  };
}

/** The source under test, with a clock the test moves and the warnings it logged. */
function source(
  bus: ReturnType<typeof identity>['bus'],
  limits: Partial<TenantOriginsLimits> = {},
) {
  const clock = { now: 0 };
  const warnings: string[] = [];
  const origins = new NatsTenantOrigins(
    bus,
    'cascade',
    1_000,
    { warn: (m) => warnings.push(m) },
    { clock: () => clock.now, ...limits },
  );
  return { origins, clock, warnings };
}

/** Lets the fake identity's answers (promise callbacks) run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('a tenant’s allowed origins, from identity', () => {
  it('allows exactly the origins the tenant lists, asking identity once per TTL', async () => {
    const { bus, asked } = identity({ acme: ['https://app.acme.test'] });
    const { origins, clock, warnings } = source(bus);

    const [a, b] = await Promise.all([
      origins.allows('acme', 'https://app.acme.test'),
      origins.allows('acme', 'https://evil.test'),
    ]);
    expect([a, b]).toEqual([true, false]);
    expect(asked).toEqual(['cascade.identity.tenant-settings acme']);

    clock.now += TENANT_ORIGINS_TTL_MS - 1;
    expect(await origins.allows('acme', 'https://app.acme.test')).toBe(true);
    expect(asked).toHaveLength(1);
    clock.now += 1;
    expect(await origins.allows('acme', 'https://app.acme.test')).toBe(true);
    expect(asked).toHaveLength(2);
    expect(warnings).toEqual([]);
  });

  it('allows nothing for an unknown tenant or an invalid id, and remembers the unknown one', async () => {
    const { bus, asked } = identity({});
    const { origins } = source(bus);
    expect(await origins.allows('ghost', 'https://app.test')).toBe(false);
    expect(await origins.allows('ghost', 'https://app.test')).toBe(false);
    expect(await origins.allows('a.b.>', 'https://app.test')).toBe(false);
    expect(asked).toEqual(['cascade.identity.tenant-settings ghost']);
  });

  it('keeps the last answer while identity is down, and allows nothing without one', async () => {
    const { bus, goDown } = identity({ acme: ['https://app.acme.test'] });
    const { origins, clock, warnings } = source(bus, { ttlMs: 1_000 });
    expect(await origins.allows('acme', 'https://app.acme.test')).toBe(true);
    goDown();
    clock.now += 5_000;
    expect(await origins.allows('acme', 'https://app.acme.test')).toBe(true);
    expect(await origins.allows('beta', 'https://app.acme.test')).toBe(false);
    await settle();
    expect(warnings.join('\n')).toMatch(
      /tenant acme: identity did not give its allowed origins \(TIMEOUT/,
    );
  });

  it('answers a known tenant at once while identity is asked again, even when it does not answer', async () => {
    const { bus, asked, goSilent } = identity({ acme: ['https://app.acme.test'] });
    const { origins, clock } = source(bus);
    expect(await origins.allows('acme', 'https://app.acme.test')).toBe(true);
    goSilent();
    clock.now += TENANT_ORIGINS_TTL_MS;
    // Each would wait for the (never coming) answer if the stale answer were not used.
    for (let i = 0; i < 5; i++)
      expect(await origins.allows('acme', 'https://app.acme.test')).toBe(true);
    expect(asked).toHaveLength(2);
  });

  it('asks identity once per tenant per retry time while it is down, and warns once per interval', async () => {
    const { bus, asked, goDown, comeBack } = identity({
      acme: ['https://app.acme.test'],
      beta: ['https://app.beta.test'],
    });
    const { origins, clock, warnings } = source(bus);
    expect(await origins.allows('acme', 'https://app.acme.test')).toBe(true);
    goDown();
    clock.now += TENANT_ORIGINS_TTL_MS;
    for (let i = 0; i < 20; i++) {
      expect(await origins.allows('acme', 'https://app.acme.test')).toBe(true);
      expect(await origins.allows('beta', 'https://app.beta.test')).toBe(false);
      await settle();
    }
    // acme: the first answer, then one refresh; beta: one lookup. No more until the retry time.
    expect(asked).toHaveLength(3);
    expect(warnings).toHaveLength(1);

    comeBack();
    clock.now += TENANT_ORIGINS_RETRY_MS;
    expect(await origins.allows('beta', 'https://app.beta.test')).toBe(true);
    expect(await origins.allows('acme', 'https://app.acme.test')).toBe(true);
    await settle();
    expect(asked).toHaveLength(5);
    clock.now += TENANT_ORIGINS_WARN_INTERVAL_MS;
    goDown();
    clock.now += TENANT_ORIGINS_TTL_MS;
    await origins.allows('acme', 'https://app.acme.test');
    await settle();
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toMatch(/\(\d+ similar warnings not logged\)/);
  });

  it('bounds the lookups that made-up tenant ids cause, answering them with no origin', async () => {
    const { bus, asked } = identity({ acme: ['https://app.acme.test'] });
    const { origins, clock } = source(bus, { lookupsPerSecond: 10 });
    expect(await origins.allows('acme', 'https://app.acme.test')).toBe(true);
    const made = Array.from({ length: 1_000 }, (_, i) => `made-up-${i}`);
    const answers = await Promise.all(made.map((t) => origins.allows(t, 'https://x.test')));
    expect(answers.every((a) => a === false)).toBe(true);
    // The burst (10, one of which acme took) and not one more in the same instant.
    expect(asked).toHaveLength(10);
    clock.now += 1_000;
    await Promise.all(made.map((t) => origins.allows(t, 'https://x.test')));
    expect(asked).toHaveLength(20);
    // The known tenant is still answered from memory, without a lookup.
    expect(await origins.allows('acme', 'https://app.acme.test')).toBe(true);
    expect(asked).toHaveLength(20);
  });

  it('bounds the lookups in flight', async () => {
    const { bus, asked, goSilent } = identity({});
    goSilent();
    const { origins } = source(bus, { maxPending: 3, lookupsPerSecond: 100 });
    const answers = ['t1', 't2', 't3', 't4', 't5'].map((t) => origins.allows(t, 'https://x.test'));
    // Beyond the bound: answered at once, with no origin.
    expect(await Promise.race([answers[3], settle().then(() => 'waiting')])).toBe(false);
    expect(asked).toHaveLength(3);
  });

  it('never lets unknown tenant ids push a known tenant out of memory', async () => {
    const { bus, asked } = identity({ acme: ['https://app.acme.test'] });
    const { origins, clock } = source(bus, { maxTenants: 2, maxUnknown: 2 });
    expect(await origins.allows('acme', 'https://app.acme.test')).toBe(true);
    for (let i = 0; i < 50; i++) {
      clock.now += 1_000; // new lookup budget
      await origins.allows(`made-up-${i}`, 'https://x.test');
    }
    const before = asked.length;
    expect(await origins.allows('acme', 'https://app.acme.test')).toBe(true);
    expect(asked).toHaveLength(before);
  });
});

describe('the CORS answer to long-polling requests', () => {
  const tenants: TenantOriginSource = {
    allows: async (tenant, origin) => tenant === 'acme' && origin === 'https://app.acme.test',
  };
  async function answer(origin: string | undefined, url: string) {
    const delegate = corsForOrigins(['https://static.test'], tenants);
    return new Promise<unknown>((resolve, reject) =>
      delegate(
        { headers: origin === undefined ? {} : { origin }, url } as never,
        (error: Error | null, options?: unknown) => (error ? reject(error) : resolve(options)),
      ),
    );
  }
  const allowed = (origin: string) => ({ origin, credentials: true, methods: ['GET', 'POST'] });

  it('answers a tenant’s origin with credentials only for requests naming that tenant', async () => {
    const url = '/socket.io/?EIO=4&transport=polling&tenant=acme';
    expect(await answer('https://app.acme.test', url)).toEqual(allowed('https://app.acme.test'));
    expect(await answer('https://evil.test', url)).toEqual({ origin: false });
    expect(
      await answer('https://app.acme.test', '/socket.io/?EIO=4&transport=polling&tenant=beta'),
    ).toEqual({ origin: false });
    expect(await answer('https://app.acme.test', '/socket.io/?EIO=4&transport=polling')).toEqual({
      origin: false,
    });
  });

  it('answers the deployment’s own origins whatever the tenant, and nothing without an origin', async () => {
    expect(await answer('https://static.test', '/socket.io/?EIO=4')).toEqual(
      allowed('https://static.test'),
    );
    expect(await answer(undefined, '/socket.io/?EIO=4&tenant=acme')).toEqual({ origin: false });
  });

  it('reads the tenant from the request URL', () => {
    expect(requestedTenant('/socket.io/?EIO=4&tenant=acme&t=1')).toBe('acme');
    expect(requestedTenant('/socket.io/?EIO=4&tenant=')).toBeUndefined();
    expect(requestedTenant('/socket.io/?EIO=4')).toBeUndefined();
    expect(requestedTenant(undefined)).toBeUndefined();
  });
});
