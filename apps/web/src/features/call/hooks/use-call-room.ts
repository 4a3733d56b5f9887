import type { CascadeClient, Quality } from '@cascade/client';
import type { ClientView } from '@cascade/contracts';
import { useEffect, useMemo, useRef, useState } from 'react';

import { useEmitterEvent, useEmitterValue } from '../../../lib/sdk/use-emitter';
import { viewKey } from '../grid/view-model';
import { type CallParticipant, participantsOf, subscriptionPlan } from './call-model';

/** Everyone in the call with their tracks and states, re-read on every SDK event. */
export function useCallParticipants(client: CascadeClient | null): CallParticipant[] {
  const joinedAt = useRef(Date.now());
  return useEmitterValue(client, () => {
    const room = client?.room;
    if (!room) return [];
    return participantsOf(room, {
      participantId: room.participantId,
      userId: room.userId,
      displayName: room.displayName,
      joinedAt: joinedAt.current,
    });
  });
}

/** How many viewers (a webinar's audience: counted, not shown as tiles) the room has. */
export function useViewerCount(client: CascadeClient | null): number {
  return useEmitterValue(client, () => client?.viewerCount ?? 0);
}

/** The connection as the banner shows it. */
export function useConnectionState(client: CascadeClient | null) {
  return useEmitterValue(client, () => client?.connectionState ?? 'connecting');
}

/** Who spoke last (the server's active speaker), or null. */
export function useActiveSpeaker(client: CascadeClient | null): string | null {
  const [speaker, setSpeaker] = useState<string | null>(null);
  useEmitterEvent(client, 'activeSpeaker', ({ participantId }) => setSpeaker(participantId));
  useEmitterEvent(client, 'participantLeft', ({ participantId }) =>
    setSpeaker((current) => (current === participantId ? null : current)),
  );
  return speaker;
}

const RESUBSCRIBE_AFTER_MS = 2_000;

/**
 * Consumes what the screen needs: all audio, and the video of `visible` participants; lets
 * go of the rest. `visible` is the one value that decides it (the grid's current page).
 */
export function useVisibleSubscriptions(
  client: CascadeClient | null,
  visible: readonly string[],
): void {
  const key = [...visible].sort().join(',');
  const visibleSet = useMemo(() => new Set(key ? key.split(',') : []), [key]);
  const pending = useRef(new Set<string>());
  // Bumped a while after a subscription failed for good: the plan is made again, so a video
  // the page still shows is asked for again instead of staying an avatar.
  const [retries, setRetries] = useState(0);
  const version = useEmitterValue(client, () => {
    const room = client?.room;
    return room
      ? `${room.producers.map((p) => p.producerId).join()}|${room.tracks.map((t) => t.producerId).join()}`
      : '';
  });
  useEffect(() => {
    const room = client?.room;
    if (!client || !room) return;
    const plan = subscriptionPlan(room.producers, room.tracks, visibleSet, pending.current);
    for (const producerId of plan.subscribe) {
      pending.current.add(producerId);
      void client.subscribe(producerId).then(
        () => pending.current.delete(producerId),
        () => {
          pending.current.delete(producerId);
          setTimeout(() => setRetries((n) => n + 1), RESUBSCRIBE_AFTER_MS);
        },
      );
    }
    for (const producerId of plan.unsubscribe)
      void client.unsubscribe(producerId).catch(() => undefined);
  }, [client, visibleSet, version, retries]);
}

/**
 * How well each participant's media arrives (and mine leaves), from the SDK's quality monitor:
 * participant id → quality, mine under `self`.
 */
export function useConnectionQuality(
  client: CascadeClient | null,
  selfId: string | undefined,
): Map<string, Quality> {
  const [quality, setQuality] = useState<Map<string, Quality>>(new Map());
  useEffect(() => {
    if (!client) return;
    client.startQualityMonitor(2_000);
    return () => client.stopQualityMonitor();
  }, [client]);
  useEmitterEvent(client, 'connectionQuality', ({ local, remote }) => {
    const next = new Map(remote);
    if (selfId) next.set(selfId, local);
    setQuality(next);
  });
  return quality;
}

const VIEW_SETTLE_MS = 250;

/**
 * Tells the server what the page draws (`client.setView`), so that it forwards only that
 * video, each at the simulcast layer its tile's size needs: sent when who is drawn, their order
 * or a tile's layer changes, once the grid has settled for a moment (a resize or a page flip
 * sends one view, not one per frame). A refused view (someone left meanwhile) is not retried:
 * the next change sends a new one.
 */
export function useServerView(client: CascadeClient | null, view: ClientView): void {
  const key = viewKey(view);
  const latest = useRef(view);
  latest.current = view;
  useEffect(() => {
    if (!client) return;
    const timer = setTimeout(() => {
      if (client.room) void client.setView(latest.current).catch(() => undefined);
    }, VIEW_SETTLE_MS);
    return () => clearTimeout(timer);
  }, [client, key]);
}
