import { SfuRoomDump } from './room-dump';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** Alice on worker 0 publishing a camera that is piped to n2, and Bob's camera piped in. */
const dump = {
  tenantId: 'acme',
  roomId: 'standup',
  workers: [0],
  participants: [
    {
      participantId: 'alice',
      workerIndex: 0,
      transports: [{ id: id(1), type: 'WebRtcTransport' }],
      producers: [{ id: id(2), kind: 'video', paused: false, appData: { source: 'camera' } }],
      consumers: [{ id: id(3), producerId: id(4), kind: 'video', paused: false }],
      dataProducers: [],
      dataConsumers: [],
    },
  ],
  producers: [
    {
      producerId: id(2),
      participantId: 'alice',
      kind: 'video',
      source: 'camera',
      workerIndex: 0,
      paused: false,
    },
    {
      producerId: id(4),
      participantId: 'bob',
      kind: 'video',
      source: 'camera',
      workerIndex: 0,
      paused: true,
      fromNodeId: 'n2',
    },
  ],
  pipes: [
    {
      peerNodeId: 'n2',
      workerIndex: 0,
      transportId: id(5),
      connected: true,
      outbound: [id(2)],
      inbound: [id(4)],
    },
  ],
};

describe('SfuRoomDump', () => {
  it('reads a node’s room dump', () => {
    expect(SfuRoomDump.parse(dump)).toEqual(dump);
  });

  it('reads a pipe that is not open yet (no transport)', () => {
    const opening = { ...dump, pipes: [{ ...dump.pipes[0]!, transportId: undefined }] };
    expect(SfuRoomDump.safeParse(opening).success).toBe(true);
  });

  it.each([
    ['a producer of an unknown source', { producers: [{ ...dump.producers[0]!, source: 'tv' }] }],
    ['a pipe without its peer', { pipes: [{ ...dump.pipes[0]!, peerNodeId: undefined }] }],
    ['no participants list', { participants: undefined }],
  ])('refuses %s', (_name, change) => {
    expect(SfuRoomDump.safeParse({ ...dump, ...change }).success).toBe(false);
  });
});
