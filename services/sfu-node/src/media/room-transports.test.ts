import { EventEmitter } from 'node:events';

import type { types as ms } from 'mediasoup';

import { RoomParticipant } from './room-participant';
import { adoptTransport, openPlainTransport, openWebRtcTransport } from './room-transports';

const LIMITS = { transports: 4, producers: 4, consumers: 4, dataChannels: 4 };
const SETTINGS = {
  listenIp: '0.0.0.0',
  announcedAddress: '192.0.2.7',
  portRange: { min: 1, max: 2 },
};

/** A transport as mediasoup makes it: its own events, and an observer that hears `close`. */
function fakeTransport(id: string, extra: Record<string, unknown> = {}) {
  const observer = new EventEmitter();
  const transport = Object.assign(new EventEmitter(), {
    id,
    observer,
    closed: false,
    close: () => {
      transport.closed = true;
      observer.emit('close');
    },
    ...extra,
  });
  return transport;
}

describe('room transports', () => {
  it('keeps a transport for its participant until the transport closes', () => {
    const alice = new RoomParticipant('alice', 0, LIMITS);
    const transport = fakeTransport('t1');
    adoptTransport(alice, transport as unknown as ms.WebRtcTransport);
    expect(alice.transports.has('t1')).toBe(true);
    transport.close();
    expect(alice.transports.size).toBe(0);
  });

  it('closes a transport made for a participant removed meanwhile, and says CONFLICT', () => {
    const alice = new RoomParticipant('alice', 0, LIMITS);
    alice.close();
    const transport = fakeTransport('t1');
    expect(() => adoptTransport(alice, transport as unknown as ms.WebRtcTransport)).toThrow(
      expect.objectContaining({ code: 'CONFLICT' }),
    );
    expect(transport.closed).toBe(true);
  });

  it('answers a plain transport with the announced address when it listens on any', async () => {
    const alice = new RoomParticipant('alice', 2, LIMITS);
    const transport = fakeTransport('t1', { tuple: { localPort: 40000 }, rtcpTuple: undefined });
    const router = { createPlainTransport: async () => transport };
    const answer = await openPlainTransport(alice, router as unknown as ms.Router, SETTINGS, {
      rtcpMux: true,
      comedia: true,
      enableSrtp: false,
    } as never);
    expect(answer).toEqual({ transportId: 't1', workerIndex: 2, ip: '192.0.2.7', port: 40000 });
  });

  it('tells the room when DTLS of a WebRTC transport fails or closes, not before', async () => {
    const alice = new RoomParticipant('alice', 0, LIMITS);
    const transport = fakeTransport('t1', {
      iceParameters: {},
      iceCandidates: [],
      dtlsParameters: {},
      sctpParameters: undefined,
    });
    const router = { createWebRtcTransport: async () => transport };
    const ended: string[] = [];
    const answer = await openWebRtcTransport(
      alice,
      router as unknown as ms.Router,
      {} as ms.WebRtcServer,
      { direction: 'send' } as never,
      (id, reason) => ended.push(`${id} ${reason}`),
    );
    expect(answer).not.toHaveProperty('sctpParameters');
    transport.emit('dtlsstatechange', 'connected');
    transport.emit('dtlsstatechange', 'failed');
    expect(ended).toEqual(['t1 dtls-failed']);
  });

  it('gives a sending client congestion feedback always, a receiving one the downlink estimate only when configured', async () => {
    const seen: Array<boolean | undefined> = [];
    const router = {
      createWebRtcTransport: async (options: { enableBwe?: boolean }) => {
        seen.push(options.enableBwe);
        return fakeTransport(`t${seen.length}`, {
          iceParameters: {},
          iceCandidates: [],
          dtlsParameters: {},
          sctpParameters: undefined,
        });
      },
    };
    const open = (direction: 'send' | 'recv', enableBwe?: boolean) =>
      openWebRtcTransport(
        new RoomParticipant(`p${seen.length}`, 0, LIMITS),
        router as unknown as ms.Router,
        {} as ms.WebRtcServer,
        { direction } as never,
        () => undefined,
        enableBwe,
      );
    await open('recv');
    await open('recv', true);
    await open('send');
    await open('send', true);
    expect(seen).toEqual([false, true, true, true]);
  });
});
