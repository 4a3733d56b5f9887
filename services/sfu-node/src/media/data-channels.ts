import type { SfuControlRequestOf } from '@cascade/contracts';

import { notFound } from './media-errors';
import type { RoomParticipant } from './room-participant';

/** Pipes a data producer between two workers' routers of the room. */
export type DataPiper = (dataProducerId: string, from: number, to: number) => Promise<void>;

/** Opens a data channel from a participant into the room (SCTP on its WebRTC transport). */
export async function produceData(
  participant: RoomParticipant,
  r: SfuControlRequestOf<'dataProducer.create'>,
): Promise<{ dataProducerId: string }> {
  const transport = participant.webRtcTransport(r.transportId);
  participant.checkCanAdd('dataChannels');
  const dataProducer = await transport.produceData({
    sctpStreamParameters: r.sctpStreamParameters,
    label: r.label,
    protocol: r.protocol,
    appData: { participantId: participant.id },
  });
  participant.dataProducers.set(dataProducer.id, dataProducer);
  dataProducer.on('transportclose', () => participant.dataProducers.delete(dataProducer.id));
  return { dataProducerId: dataProducer.id };
}

/**
 * Lets a participant receive another's data channel: the data producer is piped to the
 * participant's worker when it lives on another one. `NOT_FOUND` when nobody in the room has it.
 */
export async function consumeData(
  participant: RoomParticipant,
  participants: Iterable<RoomParticipant>,
  pipe: DataPiper,
  r: SfuControlRequestOf<'dataConsumer.create'>,
) {
  const transport = participant.webRtcTransport(r.transportId);
  participant.checkCanAdd('dataChannels');
  const owner = [...participants].find((p) => p.dataProducers.has(r.dataProducerId));
  if (!owner) throw notFound('data producer', r.dataProducerId);
  await pipe(r.dataProducerId, owner.workerIndex, participant.workerIndex);
  const dataConsumer = await transport.consumeData({
    dataProducerId: r.dataProducerId,
    appData: { participantId: participant.id },
  });
  participant.dataConsumers.set(dataConsumer.id, dataConsumer);
  const forget = () => participant.dataConsumers.delete(dataConsumer.id);
  dataConsumer.on('transportclose', forget);
  dataConsumer.on('dataproducerclose', forget);
  return {
    dataConsumerId: dataConsumer.id,
    dataProducerId: dataConsumer.dataProducerId,
    sctpStreamParameters: dataConsumer.sctpStreamParameters ?? { streamId: 0 },
    label: dataConsumer.label,
    protocol: dataConsumer.protocol,
  };
}
