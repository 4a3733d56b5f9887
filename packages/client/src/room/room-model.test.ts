import type { JoinResult, ParticipantInfo, ProducerInfo } from '@cascade/contracts';

import { type RoomEffect, RoomModel } from './room-model';

const participant = (participantId: string): ParticipantInfo => ({
  participantId,
  userId: `u-${participantId}`,
  displayName: participantId,
  joinedAt: 1,
});

const producer = (
  producerId: string,
  participantId: string,
  source: ProducerInfo['source'] = 'camera',
  paused = false,
): ProducerInfo => ({
  producerId,
  participantId,
  kind: source === 'camera' || source === 'screen' ? 'video' : 'audio',
  source,
  paused,
});

function joined(
  participants: ParticipantInfo[],
  producers: ProducerInfo[],
  viewers = 0,
): JoinResult {
  return {
    participantId: 'me',
    participants,
    producers,
    viewers,
    resumeToken: 'resume-0123456789abcdef',
  } as unknown as JoinResult;
}

const emitted = (effects: RoomEffect[]) =>
  effects.flatMap((e) => (e.type === 'emit' ? [[e.event, e.payload]] : []));
const subscribes = (effects: RoomEffect[]) =>
  effects.flatMap((e) => (e.type === 'subscribe' ? [e.producerId] : []));
const drops = (effects: RoomEffect[]) =>
  effects.flatMap((e) => (e.type === 'dropConsumer' ? [e.consumerId] : []));

/** A model that joined a room with alice (camera, microphone), alice's camera consumed. */
function model(autoSubscribe = true) {
  const room = new RoomModel({ autoSubscribe });
  const effects = room.restore(
    joined(
      [participant('alice')],
      [producer('cam-a', 'alice'), producer('mic-a', 'alice', 'microphone')],
    ),
    { aliveConsumerIds: new Set(), announce: false },
  );
  room.addTrack({
    participantId: 'alice',
    producerId: 'cam-a',
    consumerId: 'c-cam-a',
    kind: 'video',
    source: 'camera',
    muted: false,
  });
  return { room, effects };
}

describe('RoomModel', () => {
  describe('viewers', () => {
    it('takes the count from the join quietly, and announces each change of it once', () => {
      const room = new RoomModel({ autoSubscribe: true });
      const effects = room.restore(joined([], [], 7), {
        aliveConsumerIds: new Set(),
        announce: false,
      });
      expect(emitted(effects)).toEqual([]);
      expect(room.viewers).toBe(7);
      expect(emitted(room.apply('room.viewers', { count: 9 }))).toEqual([
        ['viewerCount', { count: 9 }],
      ]);
      expect(emitted(room.apply('room.viewers', { count: 9 }))).toEqual([]);
      expect(room.viewers).toBe(9);
      // A resume that finds another count tells it.
      const resumed = room.restore(joined([], [], 4), {
        aliveConsumerIds: new Set(),
        announce: true,
      });
      expect(emitted(resumed)).toEqual([['viewerCount', { count: 4 }]]);
      room.clear();
      expect(room.viewers).toBe(0);
    });
  });

  describe('joining', () => {
    it('subscribes to every producer present, and announces nobody', () => {
      const { effects, room } = model();
      expect(subscribes(effects)).toEqual(['cam-a', 'mic-a']);
      expect(emitted(effects)).toEqual([]);
      expect([...room.participants.keys()]).toEqual(['alice']);
    });

    it('subscribes to nothing without autoSubscribe', () => {
      expect(subscribes(model(false).effects)).toEqual([]);
    });

    it('leaves its own participant and producers out', () => {
      const room = new RoomModel({ autoSubscribe: true });
      const effects = room.restore(joined([participant('me')], [producer('mine', 'me')]), {
        aliveConsumerIds: new Set(),
        announce: false,
      });
      expect(effects).toEqual([]);
      expect(room.participants.size + room.producers.size).toBe(0);
    });
  });

  describe('events', () => {
    it('announces a participant joining once, and never this client', () => {
      const { room } = model();
      expect(emitted(room.apply('participant.joined', participant('bob')))).toEqual([
        ['participantJoined', participant('bob')],
      ]);
      expect(room.apply('participant.joined', participant('bob'))).toEqual([]);
      expect(room.apply('participant.joined', participant('me'))).toEqual([]);
    });

    it('subscribes to a new producer once, and not to its own', () => {
      const { room } = model();
      expect(subscribes(room.apply('producer.added', producer('cam-b', 'bob')))).toEqual(['cam-b']);
      expect(room.apply('producer.added', producer('cam-b', 'bob'))).toEqual([]);
      expect(room.apply('producer.added', producer('mine', 'me'))).toEqual([]);
    });

    it('removes the track of a closed producer', () => {
      const { room } = model();
      const effects = room.apply('producer.closed', {
        producerId: 'cam-a',
        participantId: 'alice',
      });
      expect(drops(effects)).toEqual(['c-cam-a']);
      expect(emitted(effects)).toEqual([
        [
          'trackRemoved',
          expect.objectContaining({ consumerId: 'c-cam-a', producerId: 'cam-a', source: 'camera' }),
        ],
      ]);
      expect(room.producers.has('cam-a')).toBe(false);
      expect(
        room.apply('producer.closed', { producerId: 'cam-a', participantId: 'alice' }),
      ).toEqual([]);
    });

    it('removes the track of a closed consumer', () => {
      const { room } = model();
      const effects = room.apply('consumer.closed', { consumerId: 'c-cam-a', producerId: 'cam-a' });
      expect(drops(effects)).toEqual(['c-cam-a']);
      expect(room.tracks.size).toBe(0);
      expect(room.apply('consumer.closed', { consumerId: 'unknown', producerId: 'x' })).toEqual([]);
    });

    it('removes everything of a participant who leaves, then announces the leave', () => {
      const { room } = model();
      const effects = room.apply('participant.left', { participantId: 'alice', reason: 'kicked' });
      expect(emitted(effects).map(([event]) => event)).toEqual(['trackRemoved', 'participantLeft']);
      expect(emitted(effects)[1]).toEqual([
        'participantLeft',
        { participantId: 'alice', reason: 'kicked' },
      ]);
      expect(room.producers.size + room.tracks.size + room.participants.size).toBe(0);
      expect(room.apply('participant.left', { participantId: 'alice', reason: 'left' })).toEqual(
        [],
      );
    });

    it('maps pauses to mute events once per change, and marks the track', () => {
      const { room } = model();
      const pause = { producerId: 'cam-a', participantId: 'alice' };
      expect(emitted(room.apply('producer.paused', pause))).toEqual([
        [
          'trackMuted',
          { participantId: 'alice', producerId: 'cam-a', kind: 'video', source: 'camera' },
        ],
      ]);
      expect(room.tracks.get('c-cam-a')?.muted).toBe(true);
      expect(room.apply('producer.paused', pause)).toEqual([]);
      expect(emitted(room.apply('producer.resumed', pause)).map(([e]) => e)).toEqual([
        'trackUnmuted',
      ]);
      expect(room.apply('producer.paused', { producerId: 'unknown', participantId: 'x' })).toEqual(
        [],
      );
    });

    it('passes layer changes, speakers, chat and notifications on', () => {
      const { room } = model();
      expect(
        emitted(
          room.apply('consumer.layersChanged', {
            consumerId: 'c-cam-a',
            spatialLayer: 2,
            temporalLayer: null,
          }),
        ),
      ).toEqual([
        [
          'layersChanged',
          {
            participantId: 'alice',
            producerId: 'cam-a',
            consumerId: 'c-cam-a',
            spatialLayer: 2,
            temporalLayer: null,
          },
        ],
      ]);
      expect(
        room.apply('consumer.layersChanged', {
          consumerId: 'x',
          spatialLayer: 0,
          temporalLayer: 0,
        }),
      ).toEqual([]);
      expect(
        emitted(room.apply('speaker.active', { participantId: 'alice', producerId: 'mic-a' })),
      ).toEqual([['activeSpeaker', { participantId: 'alice', producerId: 'mic-a' }]]);
      // Told the same speaker again (a newcomer's catch-up racing a change): nothing new.
      expect(room.apply('speaker.active', { participantId: 'alice', producerId: 'mic-a' })).toEqual(
        [],
      );
      expect(
        emitted(room.apply('speaker.active', { participantId: 'bob', producerId: 'mic-b' })),
      ).toEqual([['activeSpeaker', { participantId: 'bob', producerId: 'mic-b' }]]);
      const chat = {
        messageId: 'm',
        participantId: 'alice',
        userId: 'u',
        displayName: 'A',
        text: 'hi',
        at: 1,
      };
      expect(emitted(room.apply('chat.message', chat))).toEqual([['chat', chat]]);
    });
  });

  describe('restoring', () => {
    it('keeps surviving tracks and tells what changed while away', () => {
      const { room } = model();
      const effects = room.restore(
        joined(
          [participant('bob')],
          [producer('cam-a', 'alice', 'camera', true), producer('cam-b', 'bob')],
        ),
        { aliveConsumerIds: new Set(['c-cam-a']), announce: true },
      );
      expect(emitted(effects)).toEqual([
        [
          'trackMuted',
          { participantId: 'alice', producerId: 'cam-a', kind: 'video', source: 'camera' },
        ],
        ['participantLeft', { participantId: 'alice', reason: 'disconnected' }],
        ['participantJoined', participant('bob')],
      ]);
      expect(drops(effects)).toEqual([]);
      expect(subscribes(effects)).toEqual(['cam-b']);
    });

    it('drops tracks whose consumer did not survive and subscribes to their producers again', () => {
      const { room } = model();
      const effects = room.restore(
        joined(
          [participant('alice')],
          [producer('cam-a', 'alice'), producer('mic-a', 'alice', 'microphone')],
        ),
        { aliveConsumerIds: new Set(), announce: true },
      );
      expect(drops(effects)).toEqual(['c-cam-a']);
      expect(emitted(effects).map(([e]) => e)).toEqual(['trackRemoved']);
      expect(subscribes(effects)).toEqual(['cam-a', 'mic-a']);
    });
  });
});
