import { EventEmitter } from 'node:events';

import type { RoomEventBody } from './room-events';
import { RoomObservers, type RoomObserversDeps } from './room-observers';

/** A router whose observers are EventEmitters that record the producers they listen to. */
function fakeRouter() {
  const observer = new EventEmitter();
  const made = { speaker: [] as string[], levels: [] as string[], routers: 0 };
  const speaker = Object.assign(new EventEmitter(), {
    addProducer: async ({ producerId }: { producerId: string }) =>
      void made.speaker.push(producerId),
  });
  const levels = Object.assign(new EventEmitter(), {
    addProducer: async ({ producerId }: { producerId: string }) =>
      void made.levels.push(producerId),
  });
  const router = {
    observer,
    createActiveSpeakerObserver: async () => speaker,
    createAudioLevelObserver: async () => levels,
  } as unknown as Awaited<ReturnType<RoomObserversDeps['router']>>;
  return { router, observer, speaker, levels, made };
}

function observersOf(inRoom: Record<string, string>) {
  const fake = fakeRouter();
  const events: RoomEventBody[] = [];
  const piped: string[] = [];
  let routers = 0;
  const observers = new RoomObservers({
    workerIndex: () => 1,
    router: async () => {
      routers++;
      return fake.router;
    },
    ensureProducerOn: async (id, index) => void piped.push(`${id}@${index}`),
    participantOf: (id) => inRoom[id],
    emit: (e) => events.push(e),
  });
  return { observers, events, piped, fake, routers: () => routers };
}

describe('RoomObservers', () => {
  it('makes its observers once and listens to each audio producer on their worker', async () => {
    const { observers, piped, fake, routers } = observersOf({ a1: 'alice', a2: 'bob' });
    await Promise.all([observers.observe('a1'), observers.observe('a2')]);
    expect(routers()).toBe(1);
    expect(piped).toEqual(['a1@1', 'a2@1']);
    expect(fake.made.speaker).toEqual(['a1', 'a2']);
    expect(fake.made.levels).toEqual(['a1', 'a2']);
  });

  it('skips a producer that left the room before the observers were ready', async () => {
    const { observers, fake } = observersOf({});
    await observers.observe('gone');
    expect(fake.made.speaker).toEqual([]);
  });

  it('announces the dominant speaker and the levels of producers still in the room', async () => {
    const { observers, events, fake } = observersOf({ a1: 'alice' });
    await observers.observe('a1');
    fake.speaker.emit('dominantspeaker', { producer: { id: 'a1' } });
    fake.speaker.emit('dominantspeaker', { producer: { id: 'gone' } });
    fake.levels.emit('volumes', [
      { producer: { id: 'a1' }, volume: -20 },
      { producer: { id: 'gone' }, volume: -10 },
    ]);
    fake.levels.emit('volumes', [{ producer: { id: 'gone' }, volume: -10 }]);
    fake.levels.emit('silence');
    expect(events).toEqual([
      { type: 'room.activeSpeaker', participantId: 'alice', producerId: 'a1' },
      {
        type: 'room.audioLevels',
        levels: [{ participantId: 'alice', producerId: 'a1', volume: -20 }],
      },
      { type: 'room.silence' },
    ]);
  });

  it('makes new observers after their router closed', async () => {
    const { observers, fake, routers } = observersOf({ a1: 'alice' });
    await observers.observe('a1');
    fake.observer.emit('close');
    await observers.observe('a1');
    expect(routers()).toBe(2);
  });
});
