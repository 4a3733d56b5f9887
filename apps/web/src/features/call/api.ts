import { JoinTokenResponse } from '@cascade/contracts';

import type { ApiClient } from '../../lib/api/http';
import { IDENTITY_BASE } from '../../lib/api/session';

/** A fresh join token for this room, asked before every (re)connection of the call. */
export async function mintJoinToken(api: ApiClient, roomId: string): Promise<string> {
  const { token } = await api.request(JoinTokenResponse, `${IDENTITY_BASE}/join-tokens`, {
    method: 'POST',
    body: {
      grants: { room: roomId, join: true, publish: true, subscribe: true, admin: false },
      ttlSeconds: 600,
    },
  });
  return token;
}
