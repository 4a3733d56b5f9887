import { CascadeClient, type RemovedReason } from '@cascade/client';
import { CascadeError } from '@cascade/contracts';
import { useCallback, useEffect, useRef, useState } from 'react';

import { useApi } from '../../../app/services';
import { useMe } from '../../auth/use-session';
import { mintJoinToken } from '../api';
import { tilesPerPage } from '../grid/tiles';
import { type JoinChoice } from '../prejoin/PreJoin';
import { capture } from './capture';
import { handOver } from './use-local-preview';

export type CallPhase = 'prejoin' | 'joining' | 'joined' | 'removed' | 'failed' | 'left';

export interface CallSession {
  phase: CallPhase;
  client: CascadeClient | null;
  /** Why the last join failed (a sentence for the pre-join screen). */
  joinError: string | null;
  removedReason: RemovedReason | null;
  /** The camera and microphone chosen before joining are being published. */
  publishing: boolean;
  /** Why publishing them failed (the call goes on without them). */
  publishError: string | null;
  join: (choice: JoinChoice) => Promise<void>;
  leave: () => Promise<void>;
}

function readSetting(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null; // storage blocked: defaults
  }
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
 *
 * What can be done before the click is: the client connects (join token, socket, handshake)
 * while the pre-join screen shows, so that Join costs only the join itself. After the join the
 * call shows at once and the camera and microphone are published while the grid subscribes:
 * the first remote frame does not wait for this page's own publishing.
 */
export function useCallSession(roomId: string, moderator: boolean | undefined): CallSession {
  const api = useApi();
  const me = useMe();
  const [client, setClient] = useState<CascadeClient | null>(null);
  const [phase, setPhase] = useState<CallPhase>('prejoin');
  const [joinError, setJoinError] = useState<string | null>(null);
  const [removedReason, setRemovedReason] = useState<RemovedReason | null>(null);
  const [publishing, setPublishing] = useState(false);
  const [publishError, setPublishError] = useState<string | null>(null);
  const current = useRef<CascadeClient | null>(null);
  // Read when a token is minted or a client made: the latest, without remaking the client.
  const latest = useRef({ api, moderator: moderator === true, displayName: me.displayName });
  latest.current = { api, moderator: moderator === true, displayName: me.displayName };
  // The token's grants depend on the room's role: connect ahead only once it is known.
  const roleKnown = moderator !== undefined;

  const newClient = useCallback(() => {
    const next = new CascadeClient({
      url: window.location.origin,
      token: () => mintJoinToken(latest.current.api, roomId, latest.current.moderator),
      displayName: latest.current.displayName,
      // The grid decides what is consumed: visible video, all audio.
      autoSubscribe: false,
      // Diagnostics: `localStorage['cascade.joinMedia'] = 'off'` joins the old way (one request
      // per step), for a gateway older than the app or to measure the difference.
      joinMedia: readSetting('cascade.joinMedia') !== 'off',
    });
    // Each SDK step as a User Timing measure (the join benchmark reads them; so can DevTools).
    next.on('timing', ({ step, detail, startTime, duration }) =>
      performance.measure(`cascade:${step}${detail ? `:${detail}` : ''}`, {
        start: startTime,
        duration,
      }),
    );
    next.on('removed', ({ reason }) => {
      setRemovedReason(reason);
      setPhase('removed');
    });
    // Connected ahead of the click; a failure here is seen again (and shown) by join().
    next.connect().catch(() => undefined);
    current.current = next;
    return next;
  }, [roomId]);

  useEffect(() => {
    const onPageHide = () => void current.current?.leave();
    window.addEventListener('pagehide', onPageHide);
    return () => {
      window.removeEventListener('pagehide', onPageHide);
      void current.current?.leave();
      current.current = null;
    };
  }, [roomId]);

  useEffect(() => {
    if (roleKnown && !current.current) newClient();
  }, [roleKnown, newClient]);

  const join = useCallback(
    async ({ preferences, video, audio }: JoinChoice) => {
      setPhase('joining');
      setJoinError(null);
      setPublishError(null);
      performance.mark('cascade:join:start');
      const next = current.current ?? newClient();
      try {
        // The join consumes at once what the grid's first page will show (all audio, the
        // videos of the tiles beside one's own), so the first remote frame waits for no
        // further round trip; the grid then asks for whatever else it shows.
        await next.join({
          subscribe: { audio: true, videos: Math.max(0, tilesPerPage(window.innerWidth) - 1) },
        });
      } catch (error) {
        await next.leave().catch(() => undefined);
        setJoinError(joinErrorMessage(error));
        setPhase('prejoin');
        newClient(); // ready for the next attempt
        return;
      }
      performance.mark('cascade:join:joined');
      setClient(next);
      setPhase('joined');
      // Media after the join is accepted: nothing is sent to a room one may not enter.
      setPublishing(true);
      const mic = handOver(audio);
      const camera = handOver(video);
      // A device that is on but whose preview has not opened yet (Join clicked at once, a slow
      // camera) is opened now: the call starts with what the pre-join screen showed as on.
      const published = await Promise.allSettled([
        mic
          ? next.publishMicrophone(mic, { muted: !preferences.microphoneOn })
          : preferences.microphoneOn
            ? capture('microphone', preferences.microphoneId).then((t) => next.publishMicrophone(t))
            : undefined,
        !preferences.cameraOn
          ? undefined
          : camera
            ? next.publishCamera(camera)
            : capture('camera', preferences.cameraId).then((t) => next.publishCamera(t)),
      ]);
      performance.mark('cascade:join:published');
      setPublishing(false);
      if (published.some((p) => p.status === 'rejected'))
        setPublishError('Your camera or microphone could not be started. Try its button again.');
    },
    [newClient],
  );

  const leave = useCallback(async () => {
    await current.current?.leave();
    current.current = null;
    setPhase('left');
  }, []);

  return { phase, client, joinError, removedReason, publishing, publishError, join, leave };
}
