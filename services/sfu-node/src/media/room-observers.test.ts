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
  /** The routers made after the first (a lost worker's observers are made again). */
  const later: Array<ReturnType<typeof fakeRouter>> = [];
  const worker = { index: 1 };
  let routers = 0;
  const observers = new RoomObservers({
    workerIndex: () => worker.index,
    router: async () => {
      routers++;
      if (routers === 1) return fake.router;
      later.push(fakeRouter());
      return later[later.length - 1]!.router;
    },
    ensureProducerOn: async (id, index) => void piped.push(`${id}@${index}`),
    audioProducers: () => Object.keys(inRoom),
    participantOf: (id) => inRoom[id],
    emit: (e) => events.push(e),
  });
  return { observers, events, piped, fake, later, worker, routers: () => routers };
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

  it('listens again to the audio already in the room when its worker is lost', async () => {
    const inRoom: Record<string, string> = { a1: 'alice', a2: 'bob' };
    const { observers, fake, later, worker, piped } = observersOf(inRoom);
    await Promise.all([observers.observe('a1'), observers.observe('a2')]);
    delete inRoom.a2; // bob was on the worker that died
    fake.observer.emit('close');
    worker.index = 0;
    observers.workerLost(1);
    for (let i = 0; i < 50 && later[0]?.made.levels.length !== 1; i++)
      await new Promise((resolve) => setImmediate(resolve));
    expect(later).toHaveLength(1);
    expect(later[0]!.made.speaker).toEqual(['a1']);
    expect(later[0]!.made.levels).toEqual(['a1']);
    expect(piped).toContain('a1@0');
  });

  it('keeps its observers when another worker is lost', async () => {
    const { observers, fake, routers } = observersOf({ a1: 'alice' });
    await observers.observe('a1');
    observers.workerLost(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(routers()).toBe(1);
    expect(fake.made.speaker).toEqual(['a1']);
  });
});
