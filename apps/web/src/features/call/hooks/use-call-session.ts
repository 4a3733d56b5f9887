import { CascadeClient, type RemovedReason } from '@cascade/client';
import { CascadeError } from '@cascade/contracts';
import { useCallback, useEffect, useRef, useState } from 'react';

import { useApi } from '../../../app/services';
import { useMe } from '../../auth/use-session';
import { mintJoinToken } from '../api';
import { type JoinChoice } from '../prejoin/PreJoin';
import { handOver } from './use-local-preview';

export type CallPhase = 'prejoin' | 'joining' | 'joined' | 'removed' | 'failed' | 'left';

export interface CallSession {
  phase: CallPhase;
  client: CascadeClient | null;
  /** Why the last join failed (a sentence for the pre-join screen). */
  joinError: string | null;
  removedReason: RemovedReason | null;
  join: (choice: JoinChoice) => Promise<void>;
  leave: () => Promise<void>;
}

/** The sentence for a failed join, by the gateway's typed error. */
export function joinErrorMessage(error: unknown): string {
  if (error instanceof CascadeError) {
    switch (error.code) {
      case 'ROOM_FULL':
        return 'This room is full.';
      case 'FORBIDDEN':
        return /ban/i.test(error.message)
          ? 'You are banned from this room.'
          : 'This room is private: you need an invitation to join.';
      case 'NOT_FOUND':
        return 'This room no longer exists.';
      case 'CAPACITY_EXHAUSTED':
      case 'NODE_UNAVAILABLE':
        return 'The call servers are busy. Try again in a moment.';
      case 'RATE_LIMITED':
        return 'Too many attempts. Wait a moment and try again.';
      default:
        return error.message;
    }
  }
  return 'Could not join the call. Check your connection and try again.';
}

/**
 * One call: a {@link CascadeClient} that joins when the user clicks Join on the pre-join screen
 * (with the tracks the preview opened), and leaves when the page closes — on unmount, and on
 * `pagehide` so that a reload or a closed tab leaves at once instead of waiting out the resume
 * grace period as a ghost.
 */
export function useCallSession(roomId: string, moderator: boolean): CallSession {
  const api = useApi();
  const me = useMe();
  const [client, setClient] = useState<CascadeClient | null>(null);
  const [phase, setPhase] = useState<CallPhase>('prejoin');
  const [joinError, setJoinError] = useState<string | null>(null);
  const [removedReason, setRemovedReason] = useState<RemovedReason | null>(null);
  const current = useRef<CascadeClient | null>(null);

  useEffect(() => {
    const onPageHide = () => void current.current?.leave();
    window.addEventListener('pagehide', onPageHide);
    return () => {
      window.removeEventListener('pagehide', onPageHide);
      void current.current?.leave();
      current.current = null;
    };
  }, [roomId]);

  const join = useCallback(
    async ({ preferences, video, audio }: JoinChoice) => {
      setPhase('joining');
      setJoinError(null);
      // User Timing marks of each step (the join benchmark reads them; so can DevTools).
      performance.mark('cascade:join:start');
      const next = new CascadeClient({
        url: window.location.origin,
        token: () => mintJoinToken(api, roomId, moderator),
        displayName: me.displayName,
        // The grid decides what is consumed: visible video, all audio.
        autoSubscribe: false,
      });
      current.current = next;
      next.on('removed', ({ reason }) => {
        setRemovedReason(reason);
        setPhase('removed');
      });
      try {
        await next.join();
        performance.mark('cascade:join:joined');
        // Media after the join is accepted: nothing is sent to a room one may not enter.
        const mic = handOver(audio);
        if (mic) await next.publishMicrophone(mic, { muted: !preferences.microphoneOn });
        else if (preferences.microphoneOn) await next.publishMicrophone().catch(() => undefined);
        const camera = handOver(video);
        if (camera && preferences.cameraOn) await next.publishCamera(camera);
        performance.mark('cascade:join:published');
        setClient(next);
        setPhase('joined');
      } catch (error) {
        await next.leave().catch(() => undefined);
        current.current = null;
        setJoinError(joinErrorMessage(error));
        setPhase('prejoin');
      }
    },
    [api, roomId, me.displayName, moderator],
  );

  const leave = useCallback(async () => {
    await current.current?.leave();
    current.current = null;
    setPhase('left');
  }, []);

  return { phase, client, joinError, removedReason, join, leave };
}
