import { EventEmitter } from 'node:events';

import { reportConsumerEvents, type ReportedConsumer } from './consumer-events';
import type { RoomEventBody } from './room-events';

function watched() {
  const consumer = Object.assign(new EventEmitter(), { id: 'c1', producerId: 'p1' });
  const events: RoomEventBody[] = [];
  let forgotten = 0;
  reportConsumerEvents(
    'bob',
    consumer as unknown as ReportedConsumer,
    (e) => events.push(e),
    () => forgotten++,
  );
  return { consumer, events, forgotten: () => forgotten };
}

describe('reportConsumerEvents', () => {
  it('reports a closed producer as the consumer closing, and forgets the consumer', () => {
    const { consumer, events, forgotten } = watched();
    consumer.emit('producerclose');
    expect(forgotten()).toBe(1);
    expect(events).toEqual([
      {
        type: 'consumer.closed',
        participantId: 'bob',
        consumerId: 'c1',
        producerId: 'p1',
        reason: 'producer-closed',
      },
    ]);
  });

  it('forgets the consumer of a closed transport without a word', () => {
    const { consumer, events, forgotten } = watched();
    consumer.emit('transportclose');
    expect(forgotten()).toBe(1);
    expect(events).toEqual([]);
  });

  it('reports pauses, layers (none: null) and scores of the consumer', () => {
    const { consumer, events } = watched();
    consumer.emit('producerpause');
    consumer.emit('producerresume');
    consumer.emit('layerschange', { spatialLayer: 2 });
    consumer.emit('layerschange', { spatialLayer: 0, temporalLayer: 1 });
    consumer.emit('layerschange', undefined);
    consumer.emit('score', { score: 7, producerScore: 9, producerScores: [9] });
    expect(events.map((e) => ('layers' in e ? e.layers : e.type))).toEqual([
      'consumer.producerPaused',
      'consumer.producerResumed',
      { spatialLayer: 2 },
      { spatialLayer: 0, temporalLayer: 1 },
      null,
      'consumer.score',
    ]);
    expect(events[5]).toEqual({
      type: 'consumer.score',
      participantId: 'bob',
      consumerId: 'c1',
      score: 7,
      producerScore: 9,
    });
  });
});
