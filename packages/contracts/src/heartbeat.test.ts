import { SfuNodeHeartbeat } from './heartbeat';
import { PROTOCOL_VERSION, isSupportedProtocolVersion } from './protocol';

const worker = {
  index: 0,
  pid: 4242,
  cpu: 0.31,
  routers: 2,
  transports: 8,
  producers: 4,
  consumers: 12,
  pipeConsumers: 2,
  bitrateInBps: 2_500_000,
  bitrateOutBps: 7_000_000,
};
const heartbeat = {
  nodeId: 'sfu-a',
  region: 'eu-west',
  state: 'serving',
  version: '0.1.0',
  addresses: { announcedAddress: '203.0.113.7', rtcBasePort: 40_000 },
  capacity: { maxStreams: 2_000, maxBitrateOutBps: 1_000_000_000 },
  workers: [worker],
  totals: {
    rooms: 1,
    participants: 4,
    producers: 4,
    consumers: 12,
    pipeConsumers: 2,
    bitrateInBps: 2_500_000,
    bitrateOutBps: 7_000_000,
  },
  sentAt: 1_800_000_000_000,
  sequence: 17,
};

describe('SFU node heartbeat', () => {
  it('accepts a complete heartbeat', () => {
    expect(SfuNodeHeartbeat.parse(heartbeat)).toEqual(heartbeat);
  });

  it.each([
    ['an unknown state', { ...heartbeat, state: 'sleeping' }],
    ['a negative count', { ...heartbeat, workers: [{ ...worker, consumers: -1 }] }],
    ['an infinite bitrate', { ...heartbeat, workers: [{ ...worker, bitrateOutBps: Infinity }] }],
    ['a node id with a dot', { ...heartbeat, nodeId: 'sfu.a' }],
  ])('refuses %s', (_name, input) => {
    expect(SfuNodeHeartbeat.safeParse(input).success).toBe(false);
  });
});

describe('protocol version', () => {
  it('accepts the current version and nothing else', () => {
    expect(isSupportedProtocolVersion(PROTOCOL_VERSION)).toBe(true);
    expect(isSupportedProtocolVersion(PROTOCOL_VERSION + 1)).toBe(false);
    expect(isSupportedProtocolVersion('1')).toBe(false);
  });
});
