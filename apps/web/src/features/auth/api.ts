import { AuthMethods, type DevSignInRequest, WebSession } from '@cascade/contracts';
import { useMutation, useQuery } from '@tanstack/react-query';

import { useServices } from '../../app/services';
import { readError } from '../../lib/api/errors';
import { withQuery } from '../../lib/api/http';
import { IDENTITY_BASE } from '../../lib/api/session';

/** How one may sign in here (no authentication needed). */
export function useAuthMethods(tenant: string | undefined) {
  const { fetch } = useServices();
  return useQuery({
    queryKey: ['auth-methods', tenant ?? null],
    queryFn: async ({ signal }) => {
      const response = await fetch(withQuery(`${IDENTITY_BASE}/auth/methods`, { tenant }), {
        signal,
      });
      if (!response.ok) throw await readError(response);
      return AuthMethods.parse(await response.json());
    },
    staleTime: 5 * 60_000,
  });
}

export type DevSignInInput = Omit<DevSignInRequest, 'delivery'>;

/** Development sign-in: the refresh token goes into the HttpOnly cookie. */
export function useDevSignIn() {
  const { session, queryClient, fetch } = useServices();
  return useMutation({
    mutationFn: async (input: DevSignInInput) => {
      const response = await fetch(`${IDENTITY_BASE}/auth/dev`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...input, delivery: 'cookie' }),
        credentials: 'same-origin',
      });
      if (!response.ok) throw await readError(response);
      return WebSession.parse(await response.json());
    },
    onSuccess: (result) => {
      queryClient.clear();
      session.accept(result);
    },
  });
}

/** Where "Continue with Google" sends the browser; it comes back to `returnTo` signed in. */
export function googleSignInUrl(tenant: string, returnTo: string): string {
  return withQuery(`${IDENTITY_BASE}/auth/google`, { tenant, returnTo, delivery: 'cookie' });
}
