import { QueryClient } from '@tanstack/react-query';
import { type ReactNode, createContext, useContext } from 'react';
import { CascadeError } from '@cascade/contracts';

import { ApiClient } from '../lib/api/http';
import { SessionManager } from '../lib/api/session';

/** What every feature reaches through context: the session, the API client, the query cache. */
export interface AppServices {
  session: SessionManager;
  api: ApiClient;
  queryClient: QueryClient;
  /** `fetch` for what needs no session (sign-in). */
  fetch: typeof fetch;
}

export function createAppServices(
  fetchImpl: typeof fetch = (...args) => fetch(...args),
): AppServices {
  const session = new SessionManager(fetchImpl);
  const api = new ApiClient(session, fetchImpl);
  const queryClient = new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        // Retry what may pass on a second try; a refusal (bad input, not found, forbidden) won't.
        retry: (failures, error) =>
          failures < 2 &&
          !(
            error instanceof CascadeError &&
            ['INVALID_ARGUMENT', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND'].includes(error.code)
          ),
      },
      mutations: { retry: false },
    },
  });
  return { session, api, queryClient, fetch: fetchImpl };
}

const ServicesContext = createContext<AppServices | null>(null);

export function ServicesProvider({
  services,
  children,
}: {
  services: AppServices;
  children: ReactNode;
}) {
  return <ServicesContext.Provider value={services}>{children}</ServicesContext.Provider>;
}

export function useServices(): AppServices {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices outside ServicesProvider');
  return services;
}

export const useApi = (): ApiClient => useServices().api;
