import { useSyncExternalStore } from 'react';

import { useServices } from '../../app/services';
import type { SessionSnapshot } from '../../lib/api/session';

/** The sign-in state and the signed-in user's profile, as React state. */
export function useSession(): SessionSnapshot {
  const { session } = useServices();
  return useSyncExternalStore(session.subscribe, session.getSnapshot, session.getSnapshot);
}

/** The signed-in user (inside {@link RequireAuth} it is always there). */
export function useMe() {
  const { user } = useSession();
  if (!user) throw new Error('useMe outside a signed-in page');
  return user;
}
