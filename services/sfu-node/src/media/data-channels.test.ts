import { EventEmitter } from 'node:events';

import type { types as ms } from 'mediasoup';

import { consumeData, produceData } from './data-channels';
import { RoomParticipant } from './room-participant';

const LIMITS = { transports: 4, producers: 4, consumers: 4, dataChannels: 2 };

/** A participant with one fake WebRTC transport that makes EventEmitter data channels. */
function participantWith(id: string, workerIndex: number) {
  const participant = new RoomParticipant(id, workerIndex, LIMITS);
  let next = 0;
  const transport = {
    id: `t-${id}`,
    type: 'webrtc',
    close: () => undefined,
    produceData: async () => Object.assign(new EventEmitter(), { id: `dp-${id}-${next++}` }),
    consumeData: async ({ dataProducerId }: { dataProducerId: string }) =>
      Object.assign(new EventEmitter(), {
        id: `dc-${id}-${next++}`,
        dataProducerId,
        sctpStreamParameters: undefined,
        label: 'chat',
        protocol: '',
      }),
  };
  participant.transports.set(transport.id, transport as unknown as ms.WebRtcTransport);
  return participant;
}

const produceRequest = (participantId: string) =>
  ({
    participantId,
    transportId: `t-${participantId}`,
    sctpStreamParameters: { streamId: 1 },
    label: 'chat',
    protocol: '',
  }) as unknown as Parameters<typeof produceData>[1];

const consumeRequest = (participantId: string, dataProducerId: string) =>
  ({ participantId, transportId: `t-${participantId}`, dataProducerId }) as unknown as Parameters<
    typeof consumeData
  >[3];

describe('data channels', () => {
  it('keeps a data producer until its transport closes', async () => {
    const alice = participantWith('alice', 0);
    const { dataProducerId } = await produceData(alice, produceRequest('alice'));
    expect(alice.dataProducers.has(dataProducerId)).toBe(true);
    (alice.dataProducers.get(dataProducerId) as unknown as EventEmitter).emit('transportclose');
    expect(alice.dataProducers.size).toBe(0);
  });

  it('pipes a data producer from its owner’s worker and forgets the consumer when it closes', async () => {
    const alice = participantWith('alice', 0);
    const bob = participantWith('bob', 1);
    const { dataProducerId } = await produceData(alice, produceRequest('alice'));
    const pipes: string[] = [];
    const consumed = await consumeData(
      bob,
      [alice, bob],
      async (id, from, to) => void pipes.push(`${id} ${from}->${to}`),
      consumeRequest('bob', dataProducerId),
    );
    expect(pipes).toEqual([`${dataProducerId} 0->1`]);
    expect(consumed).toMatchObject({ dataProducerId, sctpStreamParameters: { streamId: 0 } });
    (bob.dataConsumers.get(consumed.dataConsumerId) as unknown as EventEmitter).emit(
      'dataproducerclose',
    );
    expect(bob.dataConsumers.size).toBe(0);
  });

  it('answers NOT_FOUND for a data producer nobody in the room has', async () => {
    const bob = participantWith('bob', 0);
    await expect(
      consumeData(bob, [bob], async () => undefined, consumeRequest('bob', 'elsewhere')),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses more data channels than the participant’s limit', async () => {
    const alice = participantWith('alice', 0);
    await produceData(alice, produceRequest('alice'));
    await produceData(alice, produceRequest('alice'));
    await expect(produceData(alice, produceRequest('alice'))).rejects.toMatchObject({
      code: 'LIMIT_EXCEEDED',
    });
  });
});
