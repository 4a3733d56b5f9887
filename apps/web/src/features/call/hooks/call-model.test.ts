import type { RoomState } from '@cascade/client';
import { describe, expect, it } from 'vitest';

import { participantsOf, subscriptionPlan, watchingLabel } from './call-model';

const track = (id: string) =>
  ({
    id,
    kind: 'video',
    enabled: true,
    readyState: 'live',
    stop() {},
  }) as unknown as MediaStreamTrack;

const room = {
  tenantId: 't',
  roomId: 'r',
  participantId: 'p_me',
  userId: 'u_me',
  displayName: 'Me',
  grants: { room: 'r', join: true, publish: true, subscribe: true, admin: false },
  participants: [
    { participantId: 'p_ann', userId: 'u_ann', displayName: 'Ann', joinedAt: 2 },
    { participantId: 'p_ben', userId: 'u_ben', displayName: 'Ben', joinedAt: 3 },
  ],
  producers: [
    {
      producerId: 'a_ann',
      participantId: 'p_ann',
      kind: 'audio',
      source: 'microphone',
      paused: false,
    },
    { producerId: 'v_ann', participantId: 'p_ann', kind: 'video', source: 'camera', paused: false },
    {
      producerId: 'a_ben',
      participantId: 'p_ben',
      kind: 'audio',
      source: 'microphone',
      paused: true,
    },
    { producerId: 's_ben', participantId: 'p_ben', kind: 'video', source: 'screen', paused: false },
  ],
  tracks: [
    {
      participantId: 'p_ann',
      producerId: 'v_ann',
      consumerId: 'c1',
      kind: 'video',
      source: 'camera',
      muted: false,
      track: track('ann-cam'),
    },
  ],
  local: [
    {
      source: 'microphone',
      kind: 'audio',
      producerId: 'a_me',
      muted: false,
      track: track('me-mic'),
    },
  ],
} as unknown as RoomState;

describe('the call as the screen shows it', () => {
  it('lists me first with my own mute state, then the others with theirs', () => {
    const people = participantsOf(room, {
      participantId: 'p_me',
      userId: 'u_me',
      displayName: 'Me',
      joinedAt: 1,
    });
    expect(people.map((p) => [p.displayName, p.micMuted, p.cameraOn, p.screenOn])).toEqual([
      ['Me', false, false, false],
      ['Ann', false, true, false],
      ['Ben', true, false, true],
    ]);
    expect(people[1]?.cameraTrack?.id).toBe('ann-cam');
  });

  it('consumes all audio and only the video of visible tiles, and lets the rest go', () => {
    const plan = subscriptionPlan(
      room.producers,
      room.tracks,
      new Set(['p_ben']),
      new Set(['a_ben']),
    );
    expect(plan).toEqual({ subscribe: ['a_ann', 's_ben'], unsubscribe: ['v_ann'] });
  });

  it('says how many watch a webinar, and nothing when nobody does', () => {
    expect(watchingLabel(0)).toBe('');
    expect(watchingLabel(1)).toBe(' · 1 watching');
    expect(watchingLabel(5_000)).toBe(' · 5,000 watching');
  });
});
