import { Theme } from '@radix-ui/themes';
import { QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router';
import { vi } from 'vitest';

import { type AppServices, ServicesProvider, createAppServices } from '../app/services';
import { Toaster } from '../ui/Toaster';

export const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

export const alice = {
  id: 'u_alice',
  tenantId: 't_dev',
  email: 'alice@example.com',
  displayName: 'Alice',
  givenName: null,
  familyName: null,
  avatarUrl: 'data:image/svg+xml;base64,AA==',
  avatarSource: 'generated' as const,
  hasGooglePicture: false,
  role: 'member' as const,
  language: null,
  createdAt: '2026-01-01T00:00:00.000Z',
};

export type Handler = (url: URL, init: RequestInit | undefined) => Response | Promise<Response>;

/** Services whose `fetch` is `handler`; `signedIn` accepts a session for Alice first. */
export function fakeServices(handler: Handler, { signedIn = true } = {}) {
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) =>
    handler(new URL(String(input), 'http://app.test'), init),
  );
  const services = createAppServices(fetch as unknown as typeof globalThis.fetch);
  if (signedIn) {
    services.session.accept({
      tokenType: 'Bearer',
      accessToken: 'token',
      expiresIn: 900,
      refreshExpiresIn: 86_400,
      user: alice,
    });
  } else {
    services.session.expire();
  }
  return { services, fetch };
}

function Location() {
  const location = useLocation();
  return <output data-testid="location">{location.pathname + location.search}</output>;
}

/** Renders `element` at `path` (route pattern `route`) with every provider the app has. */
export function renderPage(
  element: ReactNode,
  services: AppServices,
  { path = '/', route = '*' }: { path?: string; route?: string } = {},
) {
  return render(
    <Theme>
      <ServicesProvider services={services}>
        <QueryClientProvider client={services.queryClient}>
          <Toaster>
            <MemoryRouter initialEntries={[path]}>
              <Routes>
                <Route path={route} element={element} />
              </Routes>
              <Location />
            </MemoryRouter>
          </Toaster>
        </QueryClientProvider>
      </ServicesProvider>
    </Theme>,
  );
}
