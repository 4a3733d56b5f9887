import { Profile, type UpdateProfileRequest } from '@cascade/contracts';
import { useMutation } from '@tanstack/react-query';

import { useServices } from '../../app/services';
import { IDENTITY_BASE } from '../../lib/api/session';

export function useUpdateProfile() {
  const { api, session, queryClient } = useServices();
  return useMutation({
    mutationFn: (change: UpdateProfileRequest) =>
      api.request(Profile, `${IDENTITY_BASE}/me`, { method: 'PATCH', body: change }),
    onSuccess: (profile) => {
      session.updateUser(profile);
      // Names and pictures shown elsewhere (friends, rooms) come from the users cache.
      void queryClient.invalidateQueries({ queryKey: ['users'] });
    },
  });
}
