import type { RoomState } from '@cascade/client';

/** One person in the call as the screen shows them. */
export interface CallParticipant {
  participantId: string;
  userId: string;
  displayName: string;
  isSelf: boolean;
  joinedAt: number;
  /** No microphone published, or it is muted. */
  micMuted: boolean;
  cameraOn: boolean;
  screenOn: boolean;
  cameraTrack: MediaStreamTrack | null;
  screenTrack: MediaStreamTrack | null;
}

type Self = { participantId: string; userId: string; displayName: string; joinedAt: number };

/** Everyone in the room, me first, from the SDK's room state. */
export function participantsOf(
  room: RoomState | undefined,
  self: Self | undefined,
): CallParticipant[] {
  if (!room || !self) return [];
  const local = (source: string) => room.local.find((t) => t.source === source);
  const me: CallParticipant = {
    ...self,
    isSelf: true,
    micMuted: local('microphone')?.muted ?? true,
    cameraOn: local('camera') !== undefined && !local('camera')!.muted,
    screenOn: local('screen') !== undefined,
    cameraTrack: (local('camera')?.track as MediaStreamTrack | undefined) ?? null,
    screenTrack: (local('screen')?.track as MediaStreamTrack | undefined) ?? null,
  };
  const others = room.participants.map((p): CallParticipant => {
    const producer = (source: string) =>
      room.producers.find((x) => x.participantId === p.participantId && x.source === source);
    const track = (source: string) =>
      (room.tracks.find(
        (t) => t.participantId === p.participantId && t.source === source && !t.muted,
      )?.track as MediaStreamTrack | undefined) ?? null;
    const mic = producer('microphone');
    const camera = producer('camera');
    return {
      participantId: p.participantId,
      userId: p.userId,
      displayName: p.displayName,
      isSelf: false,
      joinedAt: p.joinedAt,
      micMuted: !mic || mic.paused,
      cameraOn: camera !== undefined && !camera.paused,
      screenOn: producer('screen') !== undefined,
      cameraTrack: track('camera'),
      screenTrack: track('screen'),
    };
  });
  return [me, ...others];
}

/** The header's "· N watching" (viewers of a webinar), or nothing when there are none. */
export function watchingLabel(viewers: number): string {
  return viewers > 0 ? ` · ${viewers.toLocaleString('en')} watching` : '';
}

/**
 * Which remote producers to consume: every audio (sound follows everyone, not the view) and
 * the video of the participants the grid shows; the rest is let go so no bytes flow for it.
 */
export function subscriptionPlan(
  producers: RoomState['producers'],
  consumed: ReadonlyArray<{ producerId: string }>,
  visibleParticipantIds: ReadonlySet<string>,
  pending: ReadonlySet<string>,
): { subscribe: string[]; unsubscribe: string[] } {
  const wanted = new Set(
    producers
      .filter((p) => p.kind === 'audio' || visibleParticipantIds.has(p.participantId))
      .map((p) => p.producerId),
  );
  const have = new Set(consumed.map((t) => t.producerId));
  return {
    subscribe: [...wanted].filter((id) => !have.has(id) && !pending.has(id)),
    unsubscribe: [...have].filter((id) => !wanted.has(id)),
  };
}
