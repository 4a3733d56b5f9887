import { EventEmitter } from 'node:events';

import type { types as ms } from 'mediasoup';

import type { RoomEventBody } from './room-events';
import { RoomProducers } from './room-producers';
import type { ProducerEntry } from './room-types';

/** A mediasoup producer as far as the registry sees it. */
function fakeProducer(id: string, kind: 'audio' | 'video' = 'video') {
  const producer = Object.assign(new EventEmitter(), {
    id,
    kind,
    paused: false,
    closed: false,
    close: () => void (producer.closed = true),
    pause: async () => void (producer.paused = true),
    resume: async () => void (producer.paused = false),
  });
  return producer;
}

function entryOf(producer: ReturnType<typeof fakeProducer>, extra: Partial<ProducerEntry> = {}) {
  return {
    producer: producer as unknown as ms.Producer,
    participantId: 'alice',
    source: producer.kind === 'audio' ? 'microphone' : 'camera',
    workerIndex: 0,
    ...extra,
  } as ProducerEntry;
}

function registry() {
  const events: RoomEventBody[] = [];
  const observed: string[] = [];
  const forgotten: string[] = [];
  const producers = new RoomProducers({
    emit: (e) => events.push(e),
    observeAudio: (e) => observed.push(e.producer.id),
    forget: (e) => forgotten.push(e.producer.id),
  });
  return { producers, events, observed, forgotten };
}

describe('RoomProducers', () => {
  it('announces a producer it adds, piped or not, and observes audio only', () => {
    const { producers, events, observed } = registry();
    producers.add(entryOf(fakeProducer('v1')));
    producers.add(entryOf(fakeProducer('a1', 'audio'), { fromNodeId: 'n2' }));
    expect(observed).toEqual(['a1']);
    expect(events).toEqual([
      expect.objectContaining({ type: 'producer.created', producerId: 'v1', piped: false }),
      expect.objectContaining({ type: 'producer.created', producerId: 'a1', piped: true }),
    ]);
    expect(producers.size).toBe(2);
  });

  it('reports the lowest score of a producer’s streams', () => {
    const { producers, events } = registry();
    const producer = fakeProducer('v1');
    producers.add(entryOf(producer));
    producer.emit('score', [{ score: 9 }, { score: 4 }]);
    producer.emit('score', []); // no stream scored: nothing to say
    expect(events.filter((e) => e.type === 'producer.score')).toEqual([
      { type: 'producer.score', participantId: 'alice', producerId: 'v1', score: 4 },
    ]);
  });

  it('closes and announces a producer that leaves, once, forgetting it first', () => {
    const { producers, events, forgotten } = registry();
    const producer = fakeProducer('v1');
    producers.add(entryOf(producer));
    producers.remove('v1', 'transport-closed');
    producers.remove('v1', 'closed');
    expect(producer.closed).toBe(true);
    expect(forgotten).toEqual(['v1']);
    expect(events.filter((e) => e.type === 'producer.closed')).toEqual([
      {
        type: 'producer.closed',
        participantId: 'alice',
        producerId: 'v1',
        reason: 'transport-closed',
      },
    ]);
    expect(producers.get('v1')).toBeUndefined();
  });

  it('mirrors a piped producer’s pause and says so only when it changes', async () => {
    const { producers, events } = registry();
    producers.add(entryOf(fakeProducer('v1'), { fromNodeId: 'n2' }));
    await producers.setPipedPaused('v1', true);
    await producers.setPipedPaused('v1', true);
    await producers.setPipedPaused('v1', false);
    expect(events.slice(1).map((e) => e.type)).toEqual(['producer.paused', 'producer.resumed']);
  });

  it('answers NOT_FOUND for a producer it does not have', async () => {
    const { producers } = registry();
    expect(() => producers.entry('nope')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    await expect(producers.setPipedPaused('nope', true)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('lists the producers of one worker (those a dead worker takes with it)', () => {
    const { producers } = registry();
    producers.add(entryOf(fakeProducer('v1')));
    producers.add(entryOf(fakeProducer('v2'), { workerIndex: 1 }));
    expect(producers.onWorker(1)).toEqual(['v2']);
    expect(producers.dump().map((d) => [d.producerId, d.workerIndex])).toEqual([
      ['v1', 0],
      ['v2', 1],
    ]);
  });
});
