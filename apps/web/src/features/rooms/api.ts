import { type CreateRoomRequest, Room, RoomPage, RoomParticipantList } from '@cascade/contracts';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { useApi } from '../../app/services';
import type { LobbyFilters } from './lobby-search';

export const ROOMS_BASE = '/api/rooms';
/** Live counts in the lobby and on a room's page are at most this old. */
export const LIVE_REFRESH_MS = 5_000;
const PAGE_SIZE = 24;

export const roomKeys = {
  all: ['rooms'] as const,
  list: (filters: LobbyFilters) => ['rooms', 'list', filters] as const,
  one: (roomId: string) => ['rooms', 'one', roomId] as const,
  participants: (roomId: string) => ['rooms', 'participants', roomId] as const,
};

/** The tenant's public rooms matching the lobby's search and filters, page by page. */
export function useRoomList(filters: LobbyFilters) {
  const api = useApi();
  return useInfiniteQuery({
    queryKey: roomKeys.list(filters),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) =>
      api.request(RoomPage, `${ROOMS_BASE}/rooms`, {
        query: { ...filters, limit: PAGE_SIZE, cursor: pageParam },
        signal,
      }),
    getNextPageParam: (page) => page.nextCursor ?? undefined,
    refetchInterval: LIVE_REFRESH_MS,
    placeholderData: (previous) => previous,
  });
}

export function useRoom(roomId: string) {
  const api = useApi();
  return useQuery({
    queryKey: roomKeys.one(roomId),
    queryFn: ({ signal }) =>
      api.request(Room, `${ROOMS_BASE}/rooms/${encodeURIComponent(roomId)}`, { signal }),
    refetchInterval: LIVE_REFRESH_MS,
  });
}

/** Who is in the room now. */
export function useRoomParticipants(roomId: string, enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: roomKeys.participants(roomId),
    enabled,
    queryFn: ({ signal }) =>
      api.request(
        RoomParticipantList,
        `${ROOMS_BASE}/rooms/${encodeURIComponent(roomId)}/participants`,
        { signal },
      ),
    refetchInterval: LIVE_REFRESH_MS,
  });
}

export function useCreateRoom() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: CreateRoomRequest) =>
      api.request(Room, `${ROOMS_BASE}/rooms`, { method: 'POST', body: input }),
    onSuccess: (room) => {
      queryClient.setQueryData(roomKeys.one(room.id), room);
      void queryClient.invalidateQueries({ queryKey: roomKeys.all });
    },
  });
}
