import { CascadeError, SFU_CONTROL_MAX_BYTES, type RtpCapabilities } from '@cascade/contracts';
import type { SfuNodeClient } from '@cascade/sfu-client';

import {
  fakeDtlsParameters,
  opusRtpParameters,
  unknownId,
  vp8RtpParameters,
} from '@cascade/testing';
import { failure } from './support/outcomes';
import { type RunningSfuNode, useSfuCluster } from './support/sfu-nodes';

const room = { tenantId: 'acme', roomId: 'standup' };
const alice = { ...room, participantId: 'alice' };
const bob = { ...room, participantId: 'bob' };

describe('sfu-node control API over NATS', () => {
  const cluster = useSfuCluster();
  let node: RunningSfuNode;
  let client: SfuNodeClient;
  let capabilities: RtpCapabilities;

  beforeAll(async () => {
    node = await cluster.spawn('api-node');
    client = node.client;
    ({ rtpCapabilities: capabilities } = await client.request('router.capabilities', room));
  });

  describe('a room’s whole lifecycle', () => {
    let sendTransportId: string;
    let recvTransportId: string;
    let videoId: string;
    let audioId: string;
    let consumerId: string;

    it('answers the router capabilities of a room with every Cascade codec and RTX', () => {
      const mimeTypes = capabilities.codecs!.map((c) => c.mimeType);
      expect(mimeTypes).toEqual(
        expect.arrayContaining(['audio/opus', 'video/VP8', 'video/VP9', 'video/H264', 'video/rtx']),
      );
      const h264 = capabilities.codecs!.filter((c) => c.mimeType === 'video/H264');
      expect(h264.map((c) => c.parameters?.['profile-level-id'])).toEqual(['42e01f', '4d0032']);
      const opus = capabilities.codecs!.find((c) => c.mimeType === 'audio/opus')!;
      expect(opus).toMatchObject({
        channels: 2,
        parameters: expect.objectContaining({ useinbandfec: 1, usedtx: 1 }),
      });
    });

    it('creates WebRTC transports on the worker’s fixed WebRtcServer port, with SCTP when asked', async () => {
      const send = await client.request('transport.createWebRtc', {
        ...alice,
        direction: 'send',
        // What a current client asks (mediasoup's SCTP stack negotiates the stream counts).
        sctp: {},
      });
      const recv = await client.request('transport.createWebRtc', { ...bob, direction: 'recv' });
      sendTransportId = send.transportId;
      recvTransportId = recv.transportId;
      const port = webRtcPortBase(node); // worker 0
      for (const t of [send, recv]) {
        expect(t.iceCandidates.map((c) => [c.address, c.protocol, c.port])).toEqual(
          expect.arrayContaining([
            ['127.0.0.1', 'udp', port],
            ['127.0.0.1', 'tcp', port],
          ]),
        );
      }
      // What mediasoup-client 3.24 needs to open data channels on it.
      expect(send.sctpParameters).toMatchObject({
        port: expect.any(Number),
        maxSendMessageSize: expect.any(Number),
        maxReceiveMessageSize: expect.any(Number),
      });
      expect(send.sctpParameters!.maxSendMessageSize).toBeGreaterThan(0);
      expect(recv.sctpParameters).toBeUndefined();
      await client.request('transport.connect', {
        ...alice,
        transportId: sendTransportId,
        dtlsParameters: fakeDtlsParameters(),
      });
      await client.request('transport.connect', {
        ...bob,
        transportId: recvTransportId,
        dtlsParameters: fakeDtlsParameters(),
      });
    });

    it('produces, announcing each producer, and pauses and resumes it', async () => {
      ({ producerId: videoId } = await client.request('producer.create', {
        ...alice,
        transportId: sendTransportId,
        kind: 'video',
        rtpParameters: vp8RtpParameters(),
        source: 'camera',
      }));
      ({ producerId: audioId } = await client.request('producer.create', {
        ...alice,
        transportId: sendTransportId,
        kind: 'audio',
        rtpParameters: opusRtpParameters(),
        source: 'microphone',
      }));
      await cluster.waitForEvent(
        'room',
        (e) =>
          e.type === 'producer.created' &&
          e.producerId === videoId &&
          e.source === 'camera' &&
          !e.piped,
      );
      await client.request('producer.pause', { ...alice, producerId: videoId });
      await client.request('producer.resume', { ...alice, producerId: videoId });
      await cluster.waitForEvent(
        'room',
        (e) => e.type === 'producer.paused' && e.producerId === videoId,
      );
      await cluster.waitForEvent(
        'room',
        (e) => e.type === 'producer.resumed' && e.producerId === videoId,
      );
    });

    it('consumes paused, then resumes, pauses, sets layers, priority and asks for a key frame', async () => {
      const consumer = await client.request('consumer.create', {
        ...bob,
        transportId: recvTransportId,
        producerId: videoId,
        rtpCapabilities: capabilities,
      });
      consumerId = consumer.consumerId;
      expect(consumer).toMatchObject({
        producerId: videoId,
        kind: 'video',
        paused: true,
        producerPaused: false,
        type: 'simple',
      });
      expect(consumer.rtpParameters.codecs[0]?.mimeType).toBe('video/VP8');
      for (const op of ['consumer.resume', 'consumer.pause', 'consumer.requestKeyFrame'] as const) {
        await expect(client.request(op, { ...bob, consumerId })).resolves.toEqual({});
      }
      await client.request('consumer.setPreferredLayers', {
        ...bob,
        consumerId,
        layers: { spatialLayer: 0, temporalLayer: 0 },
      });
      await client.request('consumer.setPriority', { ...bob, consumerId, priority: 10 });
    });

    it('restarts ICE and caps the incoming bitrate', async () => {
      const { iceParameters } = await client.request('transport.restartIce', {
        ...alice,
        transportId: sendTransportId,
      });
      expect(iceParameters.usernameFragment).toEqual(expect.any(String));
      await client.request('transport.setMaxIncomingBitrate', {
        ...alice,
        transportId: sendTransportId,
        bitrate: 1_500_000,
      });
    });

    it('creates an SRTP plain transport for ingest and takes its key before any packet arrives', async () => {
      const ingest = { ...room, participantId: 'ingest' };
      const plain = await client.request('transport.createPlain', {
        ...ingest,
        comedia: true,
        rtcpMux: false,
        enableSrtp: true,
      });
      expect(plain).toMatchObject({
        ip: '127.0.0.1',
        port: expect.any(Number),
        rtcpPort: expect.any(Number),
      });
      expect(plain.srtpParameters?.cryptoSuite).toEqual(expect.any(String));
      // A worker built with debug assertions aborted right here (comedia, no tuple yet).
      await client.request('transport.connectPlain', {
        ...ingest,
        transportId: plain.transportId,
        srtpParameters: {
          cryptoSuite: 'AES_CM_128_HMAC_SHA1_80',
          keyBase64: 'YTdjcDBvY2JoMGY5YXd3MDhqNGR4ZDBhb2RzMnB1',
        },
      });
      await client.request('participant.remove', ingest);
      expect((await node.process.fetch('/readyz')).status).toBe(200);
      expect(
        cluster.captured.node.filter((e) => e.type === 'worker.died' && e.nodeId === node.id),
      ).toEqual([]);
    });

    it('carries chat over data channels between participants', async () => {
      const { transportId: bobData } = await client.request('transport.createWebRtc', {
        ...bob,
        direction: 'recv',
        // An older client's capabilities (stream counts) still switch SCTP on.
        sctp: { numStreams: { OS: 1024, MIS: 1024 } },
      });
      const { dataProducerId } = await client.request('dataProducer.create', {
        ...alice,
        transportId: sendTransportId,
        sctpStreamParameters: { streamId: 0, ordered: true },
        label: 'chat',
      });
      const dataConsumer = await client.request('dataConsumer.create', {
        ...bob,
        transportId: bobData,
        dataProducerId,
      });
      expect(dataConsumer).toMatchObject({ dataProducerId, label: 'chat' });
      await client.request('dataConsumer.close', {
        ...bob,
        dataConsumerId: dataConsumer.dataConsumerId,
      });
      await client.request('dataProducer.close', { ...alice, dataProducerId });
      await client.request('transport.close', { ...bob, transportId: bobData });
    });

    it('dumps the room and the node as they are', async () => {
      const dump = await client.request('room.dump', room);
      expect(dump).toMatchObject({
        tenantId: 'acme',
        roomId: 'standup',
        participants: expect.arrayContaining([
          expect.objectContaining({
            participantId: 'alice',
            producers: expect.arrayContaining([expect.objectContaining({ id: videoId })]),
          }),
          expect.objectContaining({
            participantId: 'bob',
            consumers: [expect.objectContaining({ id: consumerId, producerId: videoId })],
          }),
        ]),
      });
      const nodeDump = await client.request('node.dump', {});
      expect(nodeDump).toMatchObject({
        nodeId: 'api-node',
        state: 'serving',
        rooms: [expect.objectContaining({ roomId: 'standup', participants: 2 })],
      });
    });

    it('closes a consumer when its producer closes, and tells the room', async () => {
      await client.request('producer.close', { ...alice, producerId: videoId });
      await cluster.waitForEvent(
        'room',
        (e) => e.type === 'producer.closed' && e.producerId === videoId && e.reason === 'closed',
      );
      const closed = await cluster.waitForEvent(
        'room',
        (e) => e.type === 'consumer.closed' && e.consumerId === consumerId,
      );
      expect(closed).toMatchObject({
        participantId: 'bob',
        producerId: videoId,
        reason: 'producer-closed',
      });
      expect((await failure(client.request('consumer.resume', { ...bob, consumerId }))).code).toBe(
        'NOT_FOUND',
      );
    });

    it('closes a transport with what it carried', async () => {
      await client.request('transport.close', { ...alice, transportId: sendTransportId });
      await cluster.waitForEvent(
        'room',
        (e) =>
          e.type === 'transport.closed' &&
          e.transportId === sendTransportId &&
          e.reason === 'closed',
      );
      await cluster.waitForEvent(
        'room',
        (e) =>
          e.type === 'producer.closed' &&
          e.producerId === audioId &&
          e.reason === 'transport-closed',
      );
    });

    it('removes a participant with everything it owns, and closes the empty room after its linger', async () => {
      await client.request('participant.remove', bob);
      await client.request('participant.remove', alice);
      await cluster.waitForEvent('room', (e) => e.type === 'room.closed' && e.roomId === 'standup');
      expect((await failure(client.request('room.dump', room))).code).toBe('NOT_FOUND');
    });
  });

  describe('protection: a bad request gets a typed error, changes nothing, and the node keeps serving', () => {
    const guarded = { tenantId: 'acme', roomId: 'guarded' };
    const carol = { ...guarded, participantId: 'carol' };
    const dave = { ...guarded, participantId: 'dave' };
    let carolTransport: string;
    let daveTransport: string;
    let carolVideo: string;
    let before: unknown;

    beforeAll(async () => {
      ({ transportId: carolTransport } = await client.request('transport.createWebRtc', {
        ...carol,
        direction: 'send',
      }));
      ({ transportId: daveTransport } = await client.request('transport.createWebRtc', {
        ...dave,
        direction: 'recv',
      }));
      ({ producerId: carolVideo } = await client.request('producer.create', {
        ...carol,
        transportId: carolTransport,
        kind: 'video',
        rtpParameters: vp8RtpParameters(3333),
        source: 'camera',
      }));
      before = await client.request('room.dump', guarded);
    });

    afterEach(async () => {
      expect(await client.request('room.dump', guarded)).toEqual(before);
      expect((await node.process.fetch('/readyz')).status).toBe(200);
    });

    const raw = async (body: unknown) =>
      (await client.raw(body)) as {
        ok: boolean;
        error?: { code: string; message: string; details?: unknown };
      };

    it('refuses bytes that are not JSON', async () => {
      expect(await raw(new TextEncoder().encode('{"op": '))).toMatchObject({
        ok: false,
        error: { code: 'INVALID_ARGUMENT', message: 'request is not valid UTF-8 JSON' },
      });
    });

    it('refuses an unknown operation', async () => {
      expect(await raw({ op: 'router.explode', ...guarded })).toMatchObject({
        ok: false,
        error: { code: 'INVALID_ARGUMENT' },
      });
    });

    it('refuses wrong types, naming each field', async () => {
      const reply = await raw({
        op: 'transport.createWebRtc',
        ...guarded,
        participantId: 42,
        direction: 'sideways',
      });
      expect(reply).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
      const paths = (reply.error!.details as { issues: Array<{ path: string }> }).issues.map(
        (i) => i.path,
      );
      expect(paths).toEqual(expect.arrayContaining(['participantId', 'direction']));
    });

    it('refuses an oversized request', async () => {
      const padding = 'x'.repeat(SFU_CONTROL_MAX_BYTES);
      const reply = await raw(
        new TextEncoder().encode(JSON.stringify({ op: 'node.dump', padding })),
      );
      expect(reply).toMatchObject({
        ok: false,
        error: { code: 'INVALID_ARGUMENT', message: expect.stringContaining('limit') },
      });
    });

    it.each([
      [
        'a room that is not on the node',
        () => client.request('room.dump', { tenantId: 'acme', roomId: 'nowhere' }),
      ],
      [
        'the same room id in another tenant',
        () => client.request('room.dump', { tenantId: 'globex', roomId: 'guarded' }),
      ],
      [
        'an unknown transport',
        () =>
          client.request('transport.connect', {
            ...carol,
            transportId: unknownId(),
            dtlsParameters: fakeDtlsParameters(),
          }),
      ],
      [
        'another participant’s transport',
        () =>
          client.request('transport.connect', {
            ...carol,
            transportId: daveTransport,
            dtlsParameters: fakeDtlsParameters(),
          }),
      ],
      [
        'another participant’s producer',
        () => client.request('producer.pause', { ...dave, producerId: carolVideo }),
      ],
      [
        'a producer of another tenant’s room',
        () =>
          client.request('producer.pause', {
            ...carol,
            tenantId: 'globex',
            producerId: carolVideo,
          }),
      ],
      [
        'an unknown consumer',
        () => client.request('consumer.resume', { ...dave, consumerId: unknownId() }),
      ],
      [
        'a pipe that does not exist',
        () =>
          client.request('pipe.connect', {
            ...guarded,
            peerNodeId: 'node-z',
            ip: '127.0.0.1',
            port: 40_000,
            srtpParameters: {
              cryptoSuite: 'AES_CM_128_HMAC_SHA1_80',
              keyBase64: 'YTdjcDBvY2JoMGY5YXd3MDhqNGR4ZDBhb2RzMnB1',
            },
          }),
      ],
    ])('answers NOT_FOUND for %s', async (_what, request) => {
      expect((await failure(request())).code).toBe('NOT_FOUND');
    });

    it.each([
      [
        'a codec the room does not have',
        {
          ...vp8RtpParameters(4444),
          codecs: [{ mimeType: 'video/H265', payloadType: 102, clockRate: 90_000 }],
        },
      ],
      ['a MID already in use on the transport', vp8RtpParameters(5555)],
      ['an SSRC already in use on the transport', { ...vp8RtpParameters(3333), mid: '7' }],
    ])('refuses RTP parameters mediasoup rejects: %s', async (_what, rtpParameters) => {
      const error = await failure(
        client.request('producer.create', {
          ...carol,
          transportId: carolTransport,
          kind: 'video',
          rtpParameters,
          source: 'camera',
        }),
      );
      expect(error.code).toBe('INVALID_ARGUMENT');
    });

    it('refuses malformed RTP parameters before mediasoup sees them', async () => {
      const error = await failure(
        client
          .raw({
            op: 'producer.create',
            ...carol,
            transportId: carolTransport,
            kind: 'video',
            source: 'camera',
            rtpParameters: { codecs: [{ mimeType: 'VP8', payloadType: 300, clockRate: -1 }] },
          })
          .then((r) => {
            throw CascadeError.fromEnvelope(
              (r as { error: Parameters<typeof CascadeError.fromEnvelope>[0] }).error,
            );
          }),
      );
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.message).toMatch(/rtpParameters\.codecs\[0\]\.(mimeType|payloadType|clockRate)/);
    });

    it('refuses to consume with capabilities that cannot receive the producer', async () => {
      const opusOnly: RtpCapabilities = {
        codecs: capabilities.codecs!.filter((c) => c.mimeType === 'audio/opus'),
      };
      const error = await failure(
        client.request('consumer.create', {
          ...dave,
          transportId: daveTransport,
          producerId: carolVideo,
          rtpCapabilities: opusOnly,
        }),
      );
      expect(error).toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringContaining('cannot consume'),
      });
    });

    it('refuses to let a participant consume its own producer', async () => {
      const error = await failure(
        client.request('consumer.create', {
          ...carol,
          transportId: carolTransport,
          producerId: carolVideo,
          rtpCapabilities: capabilities,
        }),
      );
      expect(error.code).toBe('INVALID_ARGUMENT');
    });

    it('enforces the per-participant transport limit with a clear error', async () => {
      const erin = { ...guarded, participantId: 'erin' };
      const created: string[] = [];
      for (let i = 0; i < 4; i++)
        created.push(
          (await client.request('transport.createWebRtc', { ...erin, direction: 'recv' }))
            .transportId,
        );
      const error = await failure(
        client.request('transport.createWebRtc', { ...erin, direction: 'recv' }),
      );
      expect(error).toMatchObject({
        code: 'LIMIT_EXCEEDED',
        message: 'a participant may have at most 4 transports',
        details: { limit: 4, kind: 'transports' },
      });
      await client.request('participant.remove', erin); // leave the room as it was
    });
  });
});

/** The WebRtcServer port base the node says it listens on. */
function webRtcPortBase(node: RunningSfuNode): number {
  const line = node.process.logs.find(
    (l) => typeof l['msg'] === 'string' && (l['msg'] as string).includes('WebRtcServer ports'),
  );
  const match = /WebRtcServer ports (\d+)\+i/.exec(String(line?.['msg']));
  if (!match) throw new Error('the node did not log its WebRtcServer port base');
  return Number(match[1]);
}
