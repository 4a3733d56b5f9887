import type { WebSession } from '@cascade/contracts';
import { describe, expect, it, vi } from 'vitest';

import { alice } from '../../test/render';
import { ApiClient } from './http';
import { SessionManager } from './session';

const user = alice;

function session(token: string, expiresIn = 900): WebSession {
  return { tokenType: 'Bearer', accessToken: token, expiresIn, refreshExpiresIn: 86_400, user };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** A fake identity: counts refreshes, answers each with the next token after a tick. */
function fakeIdentity(answers: Array<() => Response>) {
  let refreshes = 0;
  const fetch = vi.fn(async (input: RequestInfo | URL) => {
    const url = String(input);
    if (url.endsWith('/auth/refresh')) {
      const answer = answers[Math.min(refreshes, answers.length - 1)];
      refreshes++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return answer!();
    }
    return json(404, { code: 'NOT_FOUND', message: 'no' });
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, refreshes: () => refreshes };
}

describe('SessionManager', () => {
  it('runs one refresh for many requests that need a token at once', async () => {
    const identity = fakeIdentity([() => json(200, session('token-1'))]);
    const manager = new SessionManager(identity.fetch);

    const tokens = await Promise.all([
      manager.accessToken(),
      manager.accessToken(),
      manager.refresh(),
    ]);

    expect(tokens).toEqual(['token-1', 'token-1', 'token-1']);
    expect(identity.refreshes()).toBe(1);
    expect(manager.getSnapshot()).toEqual({ status: 'signedIn', user });
  });

  it('keeps the token in memory until it is about to expire, then refreshes', async () => {
    let now = 1_000_000;
    const identity = fakeIdentity([
      () => json(200, session('token-1', 60)),
      () => json(200, session('token-2', 60)),
    ]);
    const manager = new SessionManager(identity.fetch, () => now);

    expect(await manager.accessToken()).toBe('token-1');
    now += 20_000;
    expect(await manager.accessToken()).toBe('token-1');
    now += 15_000; // within 30 s of expiry
    expect(await manager.accessToken()).toBe('token-2');
    expect(identity.refreshes()).toBe(2);
  });

  it('signs out when the refresh cookie is refused', async () => {
    const identity = fakeIdentity([
      () => json(401, { code: 'UNAUTHENTICATED', message: 'expired' }),
    ]);
    const manager = new SessionManager(identity.fetch);
    const seen: string[] = [];
    manager.subscribe(() => seen.push(manager.getSnapshot().status));

    await expect(manager.accessToken()).resolves.toBeNull();
    expect(manager.getSnapshot().status).toBe('signedOut');
    expect(seen).toEqual(['signedOut']);
  });

  it('sends the refresh with the cookie delivery and a JSON body', async () => {
    const identity = fakeIdentity([() => json(200, session('token-1'))]);
    const manager = new SessionManager(identity.fetch);
    await manager.refresh();
    const [url, init] = vi.mocked(identity.fetch).mock.calls[0]!;
    expect(url).toBe('/api/identity/auth/refresh');
    expect(init?.method).toBe('POST');
    expect(init?.headers).toEqual({ 'content-type': 'application/json' });
    expect(JSON.parse(String(init?.body))).toEqual({ delivery: 'cookie' });
  });
});

describe('ApiClient', () => {
  it('refreshes once and retries every request refused with an expired token', async () => {
    let refreshes = 0;
    const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input);
      if (url.endsWith('/auth/refresh')) {
        refreshes++;
        await new Promise((resolve) => setTimeout(resolve, 5));
        return json(200, session(`token-${refreshes + 1}`));
      }
      const auth = (init?.headers as Record<string, string>)['authorization'];
      return auth === 'Bearer token-2'
        ? json(200, { ok: url })
        : json(401, { code: 'UNAUTHENTICATED', message: 'expired' });
    }) as unknown as typeof globalThis.fetch;
    const manager = new SessionManager(fetch);
    manager.accept(session('token-1'));
    const api = new ApiClient(manager, fetch);
    const { z } = await import('zod');
    const Ok = z.object({ ok: z.string() });

    const results = await Promise.all([
      api.request(Ok, '/a'),
      api.request(Ok, '/b'),
      api.request(Ok, '/c'),
    ]);

    expect(results.map((r) => r.ok)).toEqual(['/a', '/b', '/c']);
    expect(refreshes).toBe(1);
  });

  it('gives the server’s typed error, with its field issues', async () => {
    const fetch = vi.fn(async () =>
      json(400, {
        code: 'INVALID_ARGUMENT',
        message: 'invalid room',
        details: { issues: [{ path: 'capacity', message: 'at most 100' }] },
      }),
    ) as unknown as typeof globalThis.fetch;
    const manager = new SessionManager(fetch);
    manager.accept(session('token-1'));
    const api = new ApiClient(manager, fetch);
    const { z } = await import('zod');
    const { fieldErrorsOf } = await import('./errors');

    const error = await api
      .request(z.object({}), '/rooms', { method: 'POST', body: {} })
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', message: 'invalid room' });
    expect(fieldErrorsOf(error)).toEqual({ capacity: 'at most 100' });
  });
});
