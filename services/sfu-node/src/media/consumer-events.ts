import type { types as ms } from 'mediasoup';

import type { RoomEventBody } from './room-events';

/** The part of a mediasoup consumer whose events a room reports (tests pass an EventEmitter). */
export type ReportedConsumer = Pick<ms.Consumer, 'id' | 'producerId' | 'on'>;

/**
 * Reports what happens to a participant's consumer as room events: its producer closing
 * (`consumer.closed`, and the consumer is forgotten), pausing or resuming, its layers changing,
 * its score. A consumer whose transport closes is forgotten silently (the transport's closing is
 * the news).
 */
export function reportConsumerEvents(
  participantId: string,
  consumer: ReportedConsumer,
  emit: (event: RoomEventBody) => void,
  forget: () => void,
): void {
  const base = { participantId, consumerId: consumer.id, producerId: consumer.producerId };
  consumer.on('transportclose', forget);
  consumer.on('producerclose', () => {
    forget();
    emit({ type: 'consumer.closed', ...base, reason: 'producer-closed' });
  });
  consumer.on('producerpause', () => emit({ type: 'consumer.producerPaused', ...base }));
  consumer.on('producerresume', () => emit({ type: 'consumer.producerResumed', ...base }));
  consumer.on('layerschange', (layers) =>
    emit({
      type: 'consumer.layersChanged',
      participantId,
      consumerId: consumer.id,
      layers: layers
        ? {
            spatialLayer: layers.spatialLayer,
            ...(layers.temporalLayer !== undefined ? { temporalLayer: layers.temporalLayer } : {}),
          }
        : null,
    }),
  );
  consumer.on('score', ({ score, producerScore }) =>
    emit({ type: 'consumer.score', participantId, consumerId: consumer.id, score, producerScore }),
  );
}
