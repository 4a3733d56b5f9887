import { PUBLIC_PROFILES_MAX, type PublicProfile, PublicProfileList } from '@cascade/contracts';
import { queryOptions, useQuery } from '@tanstack/react-query';

import { useApi } from '../../app/services';
import type { ApiClient } from '../../lib/api/http';
import { IDENTITY_BASE } from '../../lib/api/session';

/**
 * The public profiles (name, avatar) of some users of my tenant, by id: one request for the
 * whole set (identity's `GET /users?ids=`), cached by the set. For hooks (`usePublicProfiles`)
 * and for code outside render (`queryClient.fetchQuery(publicProfiles(api, ids))`).
 */
export function publicProfiles(api: ApiClient, userIds: readonly string[]) {
  const ids = [...new Set(userIds)].sort().slice(0, PUBLIC_PROFILES_MAX);
  return queryOptions({
    queryKey: ['users', ids],
    enabled: ids.length > 0,
    staleTime: 60_000,
    queryFn: async ({ signal }) => {
      const { users } = await api.request(PublicProfileList, `${IDENTITY_BASE}/users`, {
        query: { ids: ids.join(',') },
        signal,
      });
      return new Map<string, PublicProfile>(users.map((u) => [u.id, u]));
    },
  });
}

/** {@link publicProfiles} as a hook: keeps the last answer while a new set loads. */
export function usePublicProfiles(userIds: readonly string[]) {
  return useQuery({
    ...publicProfiles(useApi(), userIds),
    placeholderData: (previous) => previous,
  });
}
