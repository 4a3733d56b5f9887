import { CascadeError, JoinTokenResponse } from '@cascade/contracts';

import type { ApiClient } from '../../lib/api/http';
import { IDENTITY_BASE } from '../../lib/api/session';

/**
 * A fresh join token for this room, asked before every (re)connection of the call. The room's
 * owner and moderators ask for the `admin` grant (moderation); identity checks with rooms and
 * refuses it to anyone else, in which case the call goes on without it.
 */
export async function mintJoinToken(
  api: ApiClient,
  roomId: string,
  moderator = false,
): Promise<string> {
  const mint = (admin: boolean) =>
    api.request(JoinTokenResponse, `${IDENTITY_BASE}/join-tokens`, {
      method: 'POST',
      body: {
        grants: { room: roomId, join: true, publish: true, subscribe: true, admin },
        ttlSeconds: 600,
      },
    });
  try {
    return (await mint(moderator)).token;
  } catch (error) {
    if (moderator && error instanceof CascadeError && error.code === 'FORBIDDEN')
      return (await mint(false)).token;
    throw error;
  }
}
