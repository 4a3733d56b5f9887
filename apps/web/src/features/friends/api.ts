import {
  Friend,
  FriendRequest,
  PublicProfile,
  SendFriendRequestResult,
  pageOf,
} from '@cascade/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { useApi } from '../../app/services';
import { IDENTITY_BASE } from '../../lib/api/session';

const FriendPage = pageOf(Friend);
const FriendRequestPage = pageOf(FriendRequest);
/** Friends' presence is at most this old (and pushed as it changes, see realtime). */
const PRESENCE_REFRESH_MS = 15_000;

export const friendKeys = {
  all: ['friends'] as const,
  list: ['friends', 'list'] as const,
  requests: (direction: 'incoming' | 'outgoing') => ['friends', 'requests', direction] as const,
};

/** My friends with where each is now (the first 100: a friends list, not a directory). */
export function useFriends() {
  const api = useApi();
  return useQuery({
    queryKey: friendKeys.list,
    queryFn: ({ signal }) =>
      api.request(FriendPage, `${IDENTITY_BASE}/friends`, { query: { limit: 100 }, signal }),
    select: (page) => page.items,
    refetchInterval: PRESENCE_REFRESH_MS,
  });
}

export function useFriendRequests(direction: 'incoming' | 'outgoing') {
  const api = useApi();
  return useQuery({
    queryKey: friendKeys.requests(direction),
    queryFn: ({ signal }) =>
      api.request(FriendRequestPage, `${IDENTITY_BASE}/friends/requests`, {
        query: { direction, limit: 100 },
        signal,
      }),
    select: (page) => page.items,
  });
}

function useFriendMutation<T, R>(run: (input: T) => Promise<R>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: run,
    onSettled: () => queryClient.invalidateQueries({ queryKey: friendKeys.all }),
  });
}

export function useSendFriendRequest() {
  const api = useApi();
  return useFriendMutation((userId: string) =>
    api.request(SendFriendRequestResult, `${IDENTITY_BASE}/friends/requests`, {
      method: 'POST',
      body: { userId },
    }),
  );
}

export function useAcceptFriendRequest() {
  const api = useApi();
  return useFriendMutation((requestId: string) =>
    api.request(
      PublicProfile,
      `${IDENTITY_BASE}/friends/requests/${encodeURIComponent(requestId)}/accept`,
      {
        method: 'POST',
      },
    ),
  );
}

export function useDeclineFriendRequest() {
  const api = useApi();
  return useFriendMutation((requestId: string) =>
    api.send(`${IDENTITY_BASE}/friends/requests/${encodeURIComponent(requestId)}/decline`, {
      method: 'POST',
    }),
  );
}

export function useCancelFriendRequest() {
  const api = useApi();
  return useFriendMutation((requestId: string) =>
    api.send(`${IDENTITY_BASE}/friends/requests/${encodeURIComponent(requestId)}`, {
      method: 'DELETE',
    }),
  );
}

export function useRemoveFriend() {
  const api = useApi();
  return useFriendMutation((userId: string) =>
    api.send(`${IDENTITY_BASE}/friends/${encodeURIComponent(userId)}`, { method: 'DELETE' }),
  );
}

/** How I relate to another user, for the "Add friend" button on their card. */
export type Relation = 'me' | 'friend' | 'requested' | 'requestedMe' | 'none';

export function useRelation(userId: string, meId: string): Relation {
  const friends = useFriends();
  const outgoing = useFriendRequests('outgoing');
  const incoming = useFriendRequests('incoming');
  if (userId === meId) return 'me';
  if (friends.data?.some((f) => f.user.id === userId)) return 'friend';
  if (outgoing.data?.some((r) => r.to.id === userId)) return 'requested';
  if (incoming.data?.some((r) => r.from.id === userId)) return 'requestedMe';
  return 'none';
}
