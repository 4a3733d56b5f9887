import { CascadeClient, type RoomState } from '@cascade/client';
import { useEffect, useState } from 'react';

import { useApi } from '../../app/services';
import { useEmitterValue } from '../../lib/sdk/use-emitter';
import { useMe } from '../auth/use-session';
import { mintJoinToken } from './api';

export type CallPhase = 'joining' | 'joined' | 'failed' | 'removed' | 'left';

export interface CallState {
  phase: CallPhase;
  error: unknown;
  client: CascadeClient | null;
  room: RoomState | undefined;
  connection: CascadeClient['connectionState'];
}

/**
 * One call: a {@link CascadeClient} that joins the room when the page opens and leaves when it
 * closes — on unmount, and on `pagehide` so that a reload or a closed tab leaves at once
 * instead of waiting out the resume grace.
 */
export function useCall(roomId: string): CallState & { leave: () => Promise<void> } {
  const api = useApi();
  const me = useMe();
  const [client, setClient] = useState<CascadeClient | null>(null);
  const [phase, setPhase] = useState<CallPhase>('joining');
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    const joined = new CascadeClient({
      url: window.location.origin,
      token: () => mintJoinToken(api, roomId),
      displayName: me.displayName,
    });
    setClient(joined);
    setPhase('joining');
    setError(null);
    let active = true;
    joined.on('removed', () => active && setPhase('removed'));
    joined.join().then(
      () => active && setPhase('joined'),
      (failure: unknown) => {
        if (!active) return;
        setError(failure);
        setPhase('failed');
      },
    );
    const onPageHide = () => void joined.leave();
    window.addEventListener('pagehide', onPageHide);
    return () => {
      active = false;
      window.removeEventListener('pagehide', onPageHide);
      void joined.leave();
    };
  }, [api, roomId, me.displayName]);

  const room = useEmitterValue(client, () => client?.room);
  const connection = useEmitterValue(client, () => client?.connectionState ?? 'connecting');

  return {
    phase,
    error,
    client,
    room,
    connection,
    leave: async () => {
      await client?.leave();
      setPhase('left');
    },
  };
}
