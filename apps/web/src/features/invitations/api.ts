import { Invitation, InvitationList } from '@cascade/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { useApi } from '../../app/services';
import { ROOMS_BASE } from '../rooms/api';

export const invitationKeys = {
  all: ['invitations'] as const,
  received: ['invitations', 'received'] as const,
  sent: ['invitations', 'sent'] as const,
};

/** Invitations waiting for my answer (pushed as they arrive, see realtime). */
export function useReceivedInvitations() {
  const api = useApi();
  return useQuery({
    queryKey: invitationKeys.received,
    queryFn: ({ signal }) =>
      api.request(InvitationList, `${ROOMS_BASE}/invitations`, {
        query: { direction: 'received', status: 'pending' },
        signal,
      }),
    select: (list) => list.invitations,
  });
}

export function useSentInvitations() {
  const api = useApi();
  return useQuery({
    queryKey: invitationKeys.sent,
    queryFn: ({ signal }) =>
      api.request(InvitationList, `${ROOMS_BASE}/invitations`, {
        query: { direction: 'sent' },
        signal,
      }),
    select: (list) => list.invitations,
  });
}

function useInvitationMutation<T>(run: (input: T) => Promise<Invitation | void>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: run,
    onSettled: () => queryClient.invalidateQueries({ queryKey: invitationKeys.all }),
  });
}

export function useInvite(roomId: string) {
  const api = useApi();
  return useInvitationMutation((inviteeId: string) =>
    api.request(Invitation, `${ROOMS_BASE}/rooms/${encodeURIComponent(roomId)}/invitations`, {
      method: 'POST',
      body: { inviteeId },
    }),
  );
}

export function useAcceptInvitation() {
  const api = useApi();
  return useInvitationMutation((id: string) =>
    api.request(Invitation, `${ROOMS_BASE}/invitations/${encodeURIComponent(id)}/accept`, {
      method: 'POST',
    }),
  );
}

export function useDeclineInvitation() {
  const api = useApi();
  return useInvitationMutation((id: string) =>
    api.request(Invitation, `${ROOMS_BASE}/invitations/${encodeURIComponent(id)}/decline`, {
      method: 'POST',
    }),
  );
}
