import { CascadeError } from '@cascade/contracts';

import { corsForOrigins, requestedTenant } from '../signaling/socket-io.server';
import {
  NatsTenantOrigins,
  TENANT_ORIGINS_TTL_MS,
  type TenantOriginSource,
} from './tenant-origins';

/** identity on NATS, as the gateway asks it: a tenant's settings, or NOT_FOUND. */
function identity(tenants: Record<string, string[]>) {
  const asked: string[] = [];
  let down = false;
  const bus = {
    request: async (subject: string, body: unknown) => {
      const { tenantId } = body as { tenantId: string };
      asked.push(`${subject} ${tenantId}`);
      if (down) throw new CascadeError('TIMEOUT', 'no answer');
      const origins = tenants[tenantId];
      if (origins === undefined)
        return { ok: false, error: { code: 'NOT_FOUND', message: 'no such tenant' } };
      return {
        ok: true,
        data: { maxRoomCapacity: 100, allowedOrigins: origins, chatRetentionDays: null },
      };
    },
  };
  return { bus, asked, goDown: () => (down = true) };
}

describe('a tenant’s allowed origins, from identity', () => {
  it('allows exactly the origins the tenant lists, asking identity once per TTL', async () => {
    const { bus, asked } = identity({ acme: ['https://app.acme.test'] });
    let now = 0;
    const warnings: string[] = [];
    const origins = new NatsTenantOrigins(
      bus,
      'cascade',
      1_000,
      {
        warn: (m) => warnings.push(m),
      },
      TENANT_ORIGINS_TTL_MS,
      () => now,
    );

    const [a, b] = await Promise.all([
      origins.allows('acme', 'https://app.acme.test'),
      origins.allows('acme', 'https://evil.test'),
    ]);
    expect([a, b]).toEqual([true, false]);
    expect(asked).toEqual(['cascade.identity.tenant-settings acme']);

    now += TENANT_ORIGINS_TTL_MS;
    expect(await origins.allows('acme', 'https://app.acme.test')).toBe(true);
    expect(asked).toHaveLength(2);
    expect(warnings).toEqual([]);
  });

  it('allows nothing for an unknown tenant or an invalid id, and remembers the unknown one', async () => {
    const { bus, asked } = identity({});
    const origins = new NatsTenantOrigins(bus, 'cascade', 1_000, { warn: () => undefined });
    expect(await origins.allows('ghost', 'https://app.test')).toBe(false);
    expect(await origins.allows('ghost', 'https://app.test')).toBe(false);
    expect(await origins.allows('a.b.>', 'https://app.test')).toBe(false);
    expect(asked).toEqual(['cascade.identity.tenant-settings ghost']);
  });

  it('keeps the last answer while identity is down, and allows nothing without one', async () => {
    const { bus, goDown } = identity({ acme: ['https://app.acme.test'] });
    let now = 0;
    const warnings: string[] = [];
    const origins = new NatsTenantOrigins(
      bus,
      'cascade',
      1_000,
      {
        warn: (m) => warnings.push(m),
      },
      1_000,
      () => now,
    );
    expect(await origins.allows('acme', 'https://app.acme.test')).toBe(true);
    goDown();
    now += 5_000;
    expect(await origins.allows('acme', 'https://app.acme.test')).toBe(true);
    expect(await origins.allows('beta', 'https://app.acme.test')).toBe(false);
    expect(warnings.join('\n')).toMatch(
      /tenant beta: identity did not give its allowed origins \(TIMEOUT/,
    );
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
