import type { RtpParameters, SfuRoomEvent } from '@cascade/contracts';
import { BrowserClient, eventually } from '@cascade/testing';
import * as mediasoup from 'mediasoup';
import type { types as ms } from 'mediasoup';

import { MediasoupCensus } from '../../src/media/mediasoup-census';
import { NodeRoom, type RoomHost } from '../../src/media/node-room';
import { LOOPBACK_UDP } from '../support/mediasoup';

/**
 * The ways a participant's transports close on a node (its client's DTLS closing, the node
 * removing the participant while a transport is being made) leave nothing in the mediasoup
 * worker: what the worker's router holds is compared with the node's books after each, and the
 * census (the soak's leak check) warns of nothing.
 */
describe('a room’s transports close in the worker as on the node', () => {
  const room = { tenantId: 'acme', roomId: 'closes' };
  const events: SfuRoomEvent[] = [];
  const warnings: string[] = [];
  const census = new MediasoupCensus((fields, message) =>
    warnings.push(`${message} ${String(fields['transportId'])}`),
  );
  let worker: ms.Worker;
  let webRtcServer: ms.WebRtcServer;
  let nodeRoom: NodeRoom;
  let alice: BrowserClient | undefined;

  beforeAll(async () => {
    worker = await mediasoup.createWorker({ logLevel: 'warn' });
    census.track(worker);
    webRtcServer = await worker.createWebRtcServer({ listenInfos: [LOOPBACK_UDP] });
    const host: RoomHost = {
      nodeId: 'closes-node',
      limits: { transports: 4, producers: 4, consumers: 8, dataChannels: 4 },
      transport: {
        listenIp: '127.0.0.1',
        announcedAddress: '127.0.0.1',
        portRange: { min: 40_000, max: 49_999 },
      },
      sink: { publish: (event) => events.push(event) },
      worker: (index) => (index === 0 ? { worker, webRtcServer } : undefined),
      pickWorker: () => 0,
      roomEmpty: () => {},
      lingerMs: 60_000,
    };
    nodeRoom = new NodeRoom(room.tenantId, room.roomId, host);
  }, 15_000);

  afterAll(async () => {
    await alice?.close();
    nodeRoom?.close();
    worker?.close();
  }, 30_000);

  /** The transports the worker's router holds, from its own dump. */
  const held = async () => (await (await nodeRoom.router(0)).dump()).transportIds.sort();
  /** The transports the node's books have for the room. */
  const booked = () =>
    [...nodeRoom.participants.values()].flatMap((p) => [...p.transports.keys()]).sort();

  it('a client that closes its connection: the node closes the transport (DTLS closed), the worker holds nothing', async () => {
    alice = await BrowserClient.launch('alice');
    await alice.load((await nodeRoom.rtpCapabilities()) as ms.RtpCapabilities);
    const send = await nodeRoom.createWebRtcTransport({
      op: 'transport.createWebRtc',
      ...room,
      participantId: 'alice',
      direction: 'send',
    });
    const participant = nodeRoom.participant('alice');
    await alice.publishThrough(
      {
        id: send.transportId,
        iceParameters: send.iceParameters,
        iceCandidates: send.iceCandidates,
        dtlsParameters: send.dtlsParameters,
      },
      {
        connect: (dtlsParameters) =>
          participant.webRtcTransport(send.transportId).connect({ dtlsParameters }),
        produce: async ({ kind, rtpParameters, source }) =>
          (
            await nodeRoom.produce({
              op: 'producer.create',
              ...room,
              participantId: 'alice',
              transportId: send.transportId,
              kind,
              rtpParameters: rtpParameters as RtpParameters, // the same JSON as mediasoup's
              source,
              paused: false,
            })
          ).producerId,
      },
    );
    const transport = participant.webRtcTransport(send.transportId);
    await eventually(
      'DTLS to connect',
      () => transport.dtlsState,
      (s) => s === 'connected',
    );
    expect(await held()).toEqual([send.transportId]);

    // The client goes away the way a vanished bot does: its peer connection closes (a DTLS
    // close alert reaches the worker), and the node closes the transport from inside
    // mediasoup's notification.
    await alice.close();
    alice = undefined;
    await eventually(
      'the node to close the transport on DTLS closing',
      () => events.filter((e) => e.type === 'transport.closed'),
      (closed) => closed.length === 1,
    );
    expect(events.find((e) => e.type === 'transport.closed')).toMatchObject({
      transportId: send.transportId,
      reason: 'dtls-closed',
    });
    expect(booked()).toEqual([]);
    expect(await held()).toEqual([]);
    await census.count();
    expect(warnings).toEqual([]);
  }, 60_000);

  it('a transport made while its participant is removed: refused, and gone from the worker', async () => {
    const making = nodeRoom.createWebRtcTransport({
      op: 'transport.createWebRtc',
      ...room,
      participantId: 'bob',
      direction: 'recv',
    });
    // The participant is on the node from the request on; it is removed while the worker makes
    // the transport.
    nodeRoom.removeParticipant('bob');
    await expect(making).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(booked()).toEqual([]);
    expect(await held()).toEqual([]);
    await census.count();
    expect(warnings).toEqual([]);
  });
});
