import { Flex, Spinner } from '@radix-ui/themes';
import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';

import { signInPathFor } from './return-path';
import { useSession } from './use-session';

/**
 * Pages for signed-in users. While the session is being restored from the refresh cookie it
 * shows a spinner; once signed out (never signed in, or a refresh failed) it goes to sign-in,
 * remembering the page the user wanted.
 */
export function RequireAuth({ children }: { children: ReactNode }) {
  const { status } = useSession();
  const location = useLocation();
  if (status === 'unknown') {
    return (
      <Flex align="center" justify="center" minHeight="60vh" role="status" aria-label="Loading">
        <Spinner size="3" />
      </Flex>
    );
  }
  if (status === 'signedOut') {
    return <Navigate to={signInPathFor(location.pathname + location.search)} replace />;
  }
  return children;
}
