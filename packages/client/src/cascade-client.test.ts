import { CascadeError, PROTOCOL_VERSION } from '@cascade/contracts';

import { tick, useFakeClients } from '../test/support/client-harness';
import {
  FakeGateway,
  fakeDevice,
  fakeTrack,
  participant,
  until,
} from '../test/support/fake-gateway';
import { CascadeClient } from './cascade-client';

const setup = useFakeClients();
const clients: CascadeClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.leave()));
});

describe('CascadeClient', () => {
  describe('joining', () => {
    it('connects with the protocol version and token, joins, and consumes what is published', async () => {
      const { gateway, client, named } = setup();
      const camera = gateway.addProducer('alice', 'video', 'camera');
      const mic = gateway.addProducer('alice', 'audio', 'microphone');

      const room = await client.join();

      expect(gateway.sockets[0]?.url).toBe('ws://gw-a');
      expect(gateway.sockets[0]?.auth).toEqual({
        protocolVersion: PROTOCOL_VERSION,
        token: 'join-token',
      });
      // The Device was ready (prepared once connected): the join makes the transports and
      // consumes everything in the same round trip.
      expect(gateway.requestsOf('room.join')[0]?.payload).toEqual({
        displayName: 'Me',
        media: {
          transports: ['recv', 'send'],
          consume: { rtpCapabilities: expect.any(Object), audio: true, videos: 25 },
        },
      });
      expect(room.participantId).toMatch(/^p-/);
      expect(room.participants.map((p) => p.participantId)).toEqual(['alice']);
      expect(room.tracks.map((t) => t.producerId).sort()).toEqual(
        [camera.producerId, mic.producerId].sort(),
      );
      expect(
        named('trackAdded').map(({ participantId, source, kind }) => ({
          participantId,
          source,
          kind,
        })),
      ).toEqual(
        expect.arrayContaining([
          { participantId: 'alice', source: 'camera', kind: 'video' },
          { participantId: 'alice', source: 'microphone', kind: 'audio' },
        ]),
      );
      expect(named('trackAdded').every((t) => t.track.kind === t.kind)).toBe(true);
      // The join's receive transport, connected once, each consumer resumed after it was taken;
      // nothing asked for again.
      expect(gateway.requestsOf('transport.create')).toEqual([]);
      expect(gateway.requestsOf('consumer.create')).toEqual([]);
      expect(gateway.requestsOf('transport.connect')).toHaveLength(1);
      // Each resumed once taken.
      expect(gateway.requestsOf('consumer.resume')).toHaveLength(2);
      // Participants already there are in the room state, not announced as joining.
      expect(named('participantJoined')).toEqual([]);
      expect(named('connectionState')).toEqual(['connecting', 'connected']);
    });

    it.each([
      ['without a prepared Device', { prepareMedia: false }],
      ['with joinMedia off', { joinMedia: false }],
    ])('%s, joins first and then asks for transports and consumers', async (_name, options) => {
      const { gateway, client, named } = setup(options);
      gateway.addProducer('alice', 'video', 'camera');
      await client.connect();
      await client.join();
      expect(gateway.requestsOf('room.join')[0]?.payload).toEqual({ displayName: 'Me' });
      expect(gateway.methods()).toEqual(
        expect.arrayContaining(['transport.create', 'consumer.create', 'consumer.resume']),
      );
      expect(named('trackAdded')).toHaveLength(1);
    });

    it('consumes with the join only what the application asks for, and takes the rest by hand', async () => {
      const { gateway, client, named } = setup({ autoSubscribe: false });
      gateway.addProducer('bob', 'video', 'camera');
      const aliceCamera = gateway.addProducer('alice', 'video', 'camera');
      gateway.addProducer('alice', 'audio', 'microphone');
      await client.connect();
      await until(() => named('timing').some((t) => t.step === 'device.load'), 'the device loaded');
      await client.join({ subscribe: { audio: true, videos: 1 } });
      // Both microphones' worth of audio and one participant's video came with the join.
      expect(client.room?.tracks.map((t) => `${t.participantId}:${t.source}`).sort()).toEqual([
        'alice:microphone',
        'bob:camera',
      ]);
      expect(gateway.requestsOf('consumer.create')).toEqual([]);
      await client.subscribe(aliceCamera.producerId);
      expect(gateway.requestsOf('consumer.create')).toHaveLength(1);
      expect(client.room?.tracks).toHaveLength(3);
    });

    it("closes the join's consumers when the room's capabilities need another Device", async () => {
      const { gateway, client, named } = setup();
      gateway.addProducer('alice', 'video', 'camera');
      gateway.answer('room.capabilities', (_socket, _body, base) => {
        const { rtpCapabilities } = base() as { rtpCapabilities: { codecs: unknown[] } };
        return {
          rtpCapabilities: { ...rtpCapabilities, codecs: rtpCapabilities.codecs.slice(0, 1) },
        };
      });
      await client.connect();
      await until(() => named('timing').some((t) => t.step === 'device.load'), 'the device loaded');
      await client.join();
      // The consumer made for the first Device is given back; the new Device asks for its own.
      await until(() => gateway.requestsOf('consumer.close').length === 1, 'consumer.close');
      expect(gateway.requestsOf('consumer.create')).toHaveLength(1);
      expect(client.room?.tracks).toHaveLength(1);
    });

    it('gives a join that makes media twice the request timeout, as it does the work of many', async () => {
      const slow = setup({ requestTimeoutMs: 200 });
      slow.gateway.delays.set('room.join', 300);
      await slow.client.connect();
      await until(() => slow.named('timing').some((t) => t.step === 'device.load'), 'device');
      await expect(slow.client.join()).resolves.toMatchObject({
        participantId: expect.any(String),
      });

      const plain = setup({ requestTimeoutMs: 200, joinMedia: false });
      plain.gateway.delays.set('room.join', 300);
      await expect(plain.client.join()).rejects.toMatchObject({ code: 'TIMEOUT' });
    });

    it('times each step of joining and of receiving', async () => {
      const { gateway, client, named } = setup({ prepareMedia: false });
      gateway.addProducer('alice', 'video', 'camera');
      await client.join();
      const steps = named('timing').map((t) => (t.detail ? `${t.step}:${t.detail}` : t.step));
      expect(steps).toEqual(
        expect.arrayContaining([
          'signaling.connect',
          'room.join',
          'device.load',
          'transport.create:recv',
          'transport.connect:recv',
          'consumer.create:video',
          'consumer.resume:video',
        ]),
      );
      expect(steps.indexOf('signaling.connect')).toBeLessThan(steps.indexOf('room.join'));
      for (const t of named('timing')) {
        expect(t.duration).toBeGreaterThanOrEqual(0);
        expect(Number.isFinite(t.startTime)).toBe(true);
      }
    });

    /** A client of the harness that counts the Devices it makes. */
    const counting = () => {
      let devices = 0;
      const made = setup(
        {},
        {
          deviceFactory: async () => {
            devices++;
            return fakeDevice();
          },
        },
      );
      return { ...made, devices: () => devices };
    };

    it('prepares the Device once connected, so that the join does not wait to load it', async () => {
      const { gateway, client, named, devices } = counting();
      await client.connect();
      await until(() => named('timing').some((t) => t.step === 'device.load'), 'the device loaded');
      await client.join();
      expect(devices()).toBe(1);
      expect(named('timing').filter((t) => t.step === 'device.load')).toHaveLength(1);
      expect(gateway.methods()).toEqual(['room.capabilities', 'room.join']);
    });

    it('loads another Device when the room turns out to have other capabilities', async () => {
      const { gateway, client, devices } = counting();
      gateway.answer('room.capabilities', (_socket, _body, base) => {
        const { rtpCapabilities } = base() as { rtpCapabilities: { codecs: unknown[] } };
        return {
          rtpCapabilities: { ...rtpCapabilities, codecs: rtpCapabilities.codecs.slice(0, 1) },
        };
      });
      await client.connect();
      await client.join();
      expect(devices()).toBe(2);
    });

    it('leaves again, and fails, when it cannot take part after joining', async () => {
      const gateway = new FakeGateway();
      const client = new CascadeClient(
        { url: 'ws://gw', token: 't' },
        {
          socketFactory: gateway.factory,
          deviceFactory: () => {
            throw new Error('no WebRTC here');
          },
        },
      );
      clients.push(client);
      await expect(client.join()).rejects.toThrow('no WebRTC here');
      // The Device prepared on connecting could not load either.
      expect(gateway.methods()).toEqual(['room.capabilities', 'room.join', 'room.leave']);
      expect(client.room).toBeUndefined();
    });

    it('moves on to the next gateway when the first cannot be reached', async () => {
      const { gateway, client } = setup();
      gateway.unreachable.add('ws://gw-a');
      await client.join();
      expect(gateway.sockets.map((s) => s.url)).toEqual(['ws://gw-a', 'ws://gw-b']);
      expect(client.url).toBe('ws://gw-b');
    });

    it('rejects with the refusal of the handshake', async () => {
      const { gateway, client } = setup();
      gateway.refusals.push({ code: 'UNAUTHENTICATED', message: 'token expired' });
      await expect(client.join()).rejects.toMatchObject({
        name: 'CascadeError',
        code: 'UNAUTHENTICATED',
      });
      expect(gateway.sockets).toHaveLength(1); // a refusal is not retried elsewhere
      expect(client.connectionState).toBe('disconnected');
    });

    it('asks a token function for the token of every connection', async () => {
      const tokens = ['t1', 't2'];
      const { gateway, client } = setup({ token: async () => tokens.shift() ?? 'none' });
      await client.join();
      gateway.socket.drop();
      await until(() => gateway.sockets.length === 2 && client.connectionState === 'connected');
      expect(gateway.sockets.map((s) => s.auth.token)).toEqual(['t1', 't2']);
    });
  });

  describe('requests', () => {
    it('rejects with a CascadeError built from the error envelope', async () => {
      const { gateway, client } = setup();
      await client.join();
      gateway.answer('chat.send', () => {
        throw new CascadeError('RATE_LIMITED', 'slow down', { retryAfterMs: 100 });
      });
      const failure = client.sendChat('hello');
      await expect(failure).rejects.toBeInstanceOf(CascadeError);
      await expect(failure).rejects.toMatchObject({
        code: 'RATE_LIMITED',
        message: 'slow down',
        details: { retryAfterMs: 100 },
      });
    });

    it('sends a request again after the delay the rate limit asks for', async () => {
      const { gateway, client } = setup();
      await client.join();
      let refusals = 2;
      gateway.answer('chat.send', (_socket, _payload, base) => {
        if (refusals-- > 0)
          throw new CascadeError('RATE_LIMITED', 'slow down', { retryAfterMs: 5 });
        return base();
      });
      await expect(client.sendChat('hello')).resolves.toMatchObject({
        messageId: expect.any(String),
      });
      expect(gateway.requestsOf('chat.send')).toHaveLength(3);
    });

    it('gives up on a rate limit that does not let go', async () => {
      const { gateway, client } = setup();
      await client.join();
      gateway.answer('chat.send', () => {
        throw new CascadeError('RATE_LIMITED', 'slow down', { retryAfterMs: 1 });
      });
      await expect(client.sendChat('hello')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
      expect(gateway.requestsOf('chat.send')).toHaveLength(6);
    });

    it('resolves with the data of the acknowledgement', async () => {
      const { gateway, client } = setup();
      await client.join();
      await expect(client.sendChat('hello')).resolves.toEqual({
        messageId: expect.any(String),
        at: expect.any(Number),
      });
      expect(gateway.requestsOf('chat.send')[0]?.payload).toEqual({
        text: 'hello',
        clientMessageId: expect.stringMatching(/^c_[0-9a-f]{32}$/),
      });
    });

    it('sends a message whose outcome is unknown again with the same clientMessageId', async () => {
      const { gateway, client } = setup();
      await client.join();
      let refusals = 2;
      gateway.answer('chat.send', (_socket, _payload, base) => {
        if (refusals-- > 0)
          throw new CascadeError('NODE_UNAVAILABLE', 'rooms did not answer', {
            outcome: 'unknown',
          });
        return base();
      });
      await expect(client.sendChat('hello')).resolves.toMatchObject({
        messageId: expect.any(String),
      });
      const keys = gateway
        .requestsOf('chat.send')
        .map((r) => (r.payload as { clientMessageId: string }).clientMessageId);
      expect(keys).toHaveLength(3);
      expect(new Set(keys).size).toBe(1);
      // The next message is another one.
      await client.sendChat('again');
      expect(
        (gateway.requestsOf('chat.send')[3]?.payload as { clientMessageId: string })
          .clientMessageId,
      ).not.toBe(keys[0]);
    });

    it('gives up after retryForMs with the key in the error, and a retry with it is the same message', async () => {
      const { gateway, client } = setup();
      await client.join();
      let down = true;
      gateway.answer('chat.send', (_socket, _payload, base) => {
        if (down) throw new CascadeError('NODE_UNAVAILABLE', 'rooms did not answer');
        return base();
      });
      const error = (await client.sendChat('hello', { retryForMs: 0 }).catch((e) => e)) as {
        code: string;
        details: { clientMessageId: string };
      };
      expect(error.code).toBe('NODE_UNAVAILABLE');
      expect(gateway.requestsOf('chat.send')).toHaveLength(1);
      down = false;
      await client.sendChat('hello', { clientMessageId: error.details.clientMessageId });
      expect(gateway.requestsOf('chat.send')[1]?.payload).toEqual({
        text: 'hello',
        clientMessageId: error.details.clientMessageId,
      });
    });

    it('sends a message of unknown outcome again for 10 s, backing off, then rejects with its key', async () => {
      let now = 1_000_000;
      const sleeps: number[] = [];
      const { gateway, client } = setup(
        {},
        {
          now: () => now,
          sleep: async (ms) => {
            sleeps.push(ms);
            now += ms;
            await tick();
          },
        },
      );
      await client.join();
      sleeps.length = 0;
      gateway.answer('chat.send', () => {
        throw new CascadeError('NODE_UNAVAILABLE', 'rooms did not answer', {
          outcome: 'unknown',
        });
      });
      const error = (await client.sendChat('hello').catch((e: unknown) => e)) as CascadeError;
      expect(error).toBeInstanceOf(CascadeError);
      expect(error).toMatchObject({
        code: 'NODE_UNAVAILABLE',
        details: { outcome: 'unknown', clientMessageId: expect.stringMatching(/^c_/) },
      });
      // Failures at 0, 0.25, 0.75, 1.75, 3.75, 5.75, 7.75, 9.75 and 11.75 s: the last one is
      // past the window.
      expect(sleeps).toEqual([250, 500, 1_000, 2_000, 2_000, 2_000, 2_000, 2_000]);
      const keys = gateway
        .requestsOf('chat.send')
        .map((r) => (r.payload as { clientMessageId: string }).clientMessageId);
      expect(keys).toHaveLength(9);
      expect(new Set(keys)).toEqual(new Set([error.details!['clientMessageId']]));
    });

    it('does not send again what retrying cannot change', async () => {
      const { gateway, client } = setup();
      await client.join();
      gateway.answer('chat.send', () => {
        throw new CascadeError('NOT_FOUND', 'no such active room');
      });
      await expect(client.sendChat('hello')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(gateway.requestsOf('chat.send')).toHaveLength(1);
    });
  });

  describe('room events', () => {
    it('subscribes to new producers and drops tracks whose producer or consumer closes', async () => {
      const { gateway, client, named } = setup();
      await client.join();
      gateway.socket.push('participant.joined', participant('bob'));
      const producer = gateway.addProducer('bob', 'video', 'camera');
      gateway.socket.push('producer.added', producer);
      await until(() => named('trackAdded').length === 1, 'trackAdded');
      const [added] = named('trackAdded');
      expect(added).toMatchObject({
        participantId: 'bob',
        producerId: producer.producerId,
        source: 'camera',
      });
      expect(named('participantJoined').map((p) => p.participantId)).toEqual(['bob']);

      gateway.socket.push('producer.paused', {
        producerId: producer.producerId,
        participantId: 'bob',
      });
      gateway.socket.push('producer.paused', {
        producerId: producer.producerId,
        participantId: 'bob',
      });
      gateway.socket.push('producer.resumed', {
        producerId: producer.producerId,
        participantId: 'bob',
      });
      await until(() => named('trackUnmuted').length === 1);
      expect(named('trackMuted')).toHaveLength(1); // the duplicate is not an event

      gateway.socket.push('consumer.closed', {
        consumerId: added!.consumerId,
        producerId: producer.producerId,
      });
      await until(() => named('trackRemoved').length === 1);
      expect(named('trackRemoved')[0]).toMatchObject({
        consumerId: added!.consumerId,
        participantId: 'bob',
      });
      expect(client.room?.tracks).toEqual([]);

      gateway.socket.push('participant.left', { participantId: 'bob', reason: 'left' });
      await until(() => named('participantLeft').length === 1);
    });

    it('passes chat, active speaker and layer changes on', async () => {
      const { gateway, client, named } = setup();
      const producer = gateway.addProducer('alice', 'video', 'camera');
      const room = await client.join();
      const consumerId = room.tracks[0]!.consumerId;
      const message = {
        messageId: 'm-1',
        participantId: 'alice',
        userId: 'user-of-alice',
        displayName: 'alice',
        text: 'hi',
        at: 5,
      };
      gateway.socket.push('chat.message', message);
      gateway.socket.push('chat.message', message); // sent again by its sender: shown once
      gateway.socket.push('speaker.active', {
        participantId: 'alice',
        producerId: producer.producerId,
      });
      gateway.socket.push('consumer.layersChanged', {
        consumerId,
        spatialLayer: 1,
        temporalLayer: 2,
      });
      await until(() => named('layersChanged').length === 1);
      expect(named('chat')).toEqual([message]);
      expect(named('activeSpeaker')).toEqual([
        { participantId: 'alice', producerId: producer.producerId },
      ]);
      expect(named('layersChanged')).toEqual([
        {
          participantId: 'alice',
          producerId: producer.producerId,
          consumerId,
          spatialLayer: 1,
          temporalLayer: 2,
        },
      ]);
    });
  });

  describe('publishing', () => {
    it('publishes camera video in three simulcast layers and the microphone on one send transport', async () => {
      const { gateway, client, named } = setup();
      await client.join();
      const camera = await client.publishCamera(fakeTrack('video'));
      const mic = await client.publishMicrophone(fakeTrack('audio'));

      // On the send transport the join made.
      expect(gateway.requestsOf('transport.create')).toEqual([]);
      const [cameraRequest, micRequest] = gateway.requestsOf('producer.create');
      expect(cameraRequest?.payload['transportId']).toBe(micRequest?.payload['transportId']);
      expect(cameraRequest?.payload).toMatchObject({
        kind: 'video',
        source: 'camera',
        paused: false,
      });
      const encodings = (
        cameraRequest?.payload['rtpParameters'] as { encodings: Array<Record<string, unknown>> }
      ).encodings;
      expect(encodings.map((e) => e['scaleResolutionDownBy'])).toEqual([4, 2, 1]);
      const bitrates = encodings.map((e) => e['maxBitrate'] as number);
      expect(bitrates).toEqual([...bitrates].sort((a, b) => a - b));
      expect(micRequest?.payload).toMatchObject({ kind: 'audio', source: 'microphone' });
      expect(camera.producerId).toMatch(/^local-/);
      expect(mic.producerId).toMatch(/^local-/);
      expect(named('trackPublished').map((e) => e.source)).toEqual(['camera', 'microphone']);
    });

    it('mutes and unmutes a source on both sides', async () => {
      const { gateway, client } = setup();
      await client.join();
      const track = fakeTrack('audio');
      const { producerId } = await client.publishMicrophone(track);
      await client.mute('microphone');
      expect(track.enabled).toBe(false);
      expect(client.room?.local[0]?.muted).toBe(true);
      await client.unmute('microphone');
      expect(track.enabled).toBe(true);
      expect(
        gateway.methods().filter((m) => m.startsWith('producer.p') || m === 'producer.resume'),
      ).toEqual(['producer.pause', 'producer.resume']);
      expect(gateway.requestsOf('producer.pause')[0]?.payload).toEqual({ producerId });
    });

    it('refuses a track of the wrong kind, and publishing before joining', async () => {
      const { client } = setup();
      await expect(client.publishCamera(fakeTrack('video'))).rejects.toMatchObject({
        code: 'CONFLICT',
      });
      await client.join();
      await expect(client.publishCamera(fakeTrack('audio'))).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
    });
  });

  describe('subscribing by hand', () => {
    it('consumes nothing by itself without autoSubscribe, and what it is asked to', async () => {
      const { gateway, client, named } = setup({ autoSubscribe: false });
      const camera = gateway.addProducer('alice', 'video', 'camera');
      const room = await client.join();
      expect(room.producers.map((p) => p.producerId)).toEqual([camera.producerId]);
      expect(room.tracks).toEqual([]);
      const track = await client.subscribe(camera.producerId);
      expect(track).toMatchObject({ participantId: 'alice', source: 'camera' });
      expect(named('trackAdded')).toHaveLength(1);
      await expect(client.subscribe('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('tries a consumer again while the server does not know the announced producer yet', async () => {
      const { gateway, client, named } = setup({ autoSubscribe: false });
      const camera = gateway.addProducer('alice', 'video', 'camera');
      await client.join();
      let refusals = 2;
      gateway.answer('consumer.create', (_socket, _body, base) => {
        if (refusals-- > 0) throw new CascadeError('NOT_FOUND', 'producer is not in this room');
        return base();
      });
      // Two callers at once share one attempt.
      const [first, second] = await Promise.all([
        client.subscribe(camera.producerId),
        client.subscribe(camera.producerId),
      ]);
      expect(first.consumerId).toBe(second.consumerId);
      expect(gateway.requestsOf('consumer.create')).toHaveLength(3);
      expect(named('trackAdded')).toHaveLength(1);
    });

    it('a join does not try again a producer whose leaving arrived during the join', async () => {
      const { gateway, client } = setup();
      const camera = gateway.addProducer('alice', 'video', 'camera');
      gateway.answer('room.join', (socket, _body, base) => {
        const answer = base(); // lists alice's camera, and makes the join's consumer of it
        // Alice leaves while the answer is on its way: her events arrive before it.
        socket.push('producer.closed', { producerId: camera.producerId, participantId: 'alice' });
        socket.push('participant.left', { participantId: 'alice', reason: 'left' });
        return answer;
      });
      const refuse = () => {
        throw new CascadeError('NOT_FOUND', 'producer is not in this room');
      };
      gateway.answer('consumer.resume', refuse);
      gateway.answer('consumer.create', refuse);

      const room = await client.join();
      // The join's consumer could not be resumed; subscribing anew was not even tried (it was
      // tried and retried five times, 3.5 s, while the events waited for the join to end).
      expect(gateway.requestsOf('consumer.resume')).toHaveLength(1);
      expect(gateway.requestsOf('consumer.create')).toEqual([]);
      expect(room.participants).toEqual([]);
      expect(room.producers).toEqual([]);
      expect(room.tracks).toEqual([]);
    });

    it('gives up on a producer the server keeps refusing, and on a refusal that does not pass', async () => {
      const { gateway, client } = setup({ autoSubscribe: false });
      const camera = gateway.addProducer('alice', 'video', 'camera');
      await client.join();
      gateway.answer('consumer.create', () => {
        throw new CascadeError('NOT_FOUND', 'producer is not in this room');
      });
      await expect(client.subscribe(camera.producerId)).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      expect(gateway.requestsOf('consumer.create')).toHaveLength(5);
      gateway.answer('consumer.create', () => {
        throw new CascadeError('FORBIDDEN', 'no subscribe grant');
      });
      await expect(client.subscribe(camera.producerId)).rejects.toMatchObject({
        code: 'FORBIDDEN',
      });
      expect(gateway.requestsOf('consumer.create')).toHaveLength(6);
    });

    it('does not consume again, even after a rejoin, what the application unsubscribed from', async () => {
      const { gateway, client, named } = setup();
      const camera = gateway.addProducer('alice', 'video', 'camera');
      gateway.addProducer('alice', 'audio', 'microphone');
      await client.join();
      await client.unsubscribe(camera.producerId);
      expect(named('trackRemoved').map((t) => t.producerId)).toEqual([camera.producerId]);
      expect(gateway.requestsOf('consumer.close')).toHaveLength(1);

      gateway.socket.push('session.reconnectRequired', { reason: 'worker-lost' });
      await until(() => named('sessionRestored').length === 1, 'sessionRestored');
      // The rejoin's consumer of the camera (made with the join) is given back at once.
      await until(() => gateway.requestsOf('consumer.close').length === 2, 'consumer.close');
      expect(named('trackAdded').filter((t) => t.producerId === camera.producerId)).toHaveLength(1);
      expect(client.room?.tracks.map((t) => t.source)).toEqual(['microphone']);
    });
  });

  describe('layers', () => {
    it('asks for layers clamped to what the stream has, by consumer or by participant', async () => {
      const { gateway, client } = setup();
      gateway.addProducer('alice', 'video', 'camera');
      gateway.addProducer('alice', 'audio', 'microphone');
      const room = await client.join();
      const video = room.tracks.find((t) => t.kind === 'video')!;
      await client.setPreferredLayers('alice', 7, 1);
      await client.setPreferredLayers(video.consumerId, 0);
      expect(gateway.requestsOf('consumer.setPreferredLayers').map((r) => r.payload)).toEqual([
        { consumerId: video.consumerId, spatialLayer: 2, temporalLayer: 1 },
        { consumerId: video.consumerId, spatialLayer: 0 },
      ]);
      await expect(client.setPreferredLayers('nobody', 1)).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
    });
  });

  describe('reconnection', () => {
    it('resumes the session on the next gateway after a drop, restarting ICE and keeping its media', async () => {
      const { gateway, client, named } = setup();
      gateway.addProducer('alice', 'video', 'camera');
      const room = await client.join();
      const published = await client.publishMicrophone(fakeTrack('audio'));
      const before = gateway.requests.length;

      client.dropConnection();
      await until(() => named('sessionRestored').length === 1, 'sessionRestored');

      const second = gateway.sockets[1]!;
      expect(second.url).toBe('ws://gw-b');
      expect(second.auth).toEqual({
        protocolVersion: PROTOCOL_VERSION,
        token: 'join-token',
        resumeToken: expect.stringMatching(/^resume-token-/),
      });
      const after = gateway.requests.slice(before).map((r) => r.method);
      expect(after.filter((m) => m !== 'producer.resume')).toEqual([
        'session.resume',
        'transport.restartIce',
        'transport.restartIce',
      ]);
      expect(named('sessionRestored')).toEqual([
        { mode: 'resumed', participantId: room.participantId, url: 'ws://gw-b' },
      ]);
      expect(named('connectionState')).toEqual([
        'connecting',
        'connected',
        'reconnecting',
        'connected',
      ]);
      expect(client.room?.tracks.map((t) => t.consumerId)).toEqual(
        room.tracks.map((t) => t.consumerId),
      );
      expect(client.room?.local[0]?.producerId).toBe(published.producerId);
      expect(named('trackRemoved')).toEqual([]);
    });

    it('joins again, republishing and resubscribing, when the session cannot be resumed', async () => {
      const { gateway, client, named } = setup();
      gateway.addProducer('alice', 'video', 'camera');
      const room = await client.join();
      const published = await client.publishCamera(fakeTrack('video'));
      gateway.expired.add(gateway.sessions.keys().next().value as string);

      gateway.socket.drop();
      await until(() => named('sessionRestored').length === 1, 'sessionRestored');

      expect(named('sessionRestored')[0]?.mode).toBe('rejoined');
      expect(gateway.requestsOf('session.resume')).toHaveLength(1);
      expect(gateway.requestsOf('room.join')).toHaveLength(2);
      const producers = gateway.requestsOf('producer.create');
      expect(producers.map((r) => r.payload['source'])).toEqual(['camera', 'camera']);
      expect(producers[1]?.socket).toBe(gateway.sockets[1]);
      expect(client.room?.local[0]?.producerId).not.toBe(published.producerId);
      expect(client.participantId).not.toBe(room.participantId);
      // The old track went, a new one came, on new transports.
      expect(named('trackRemoved')).toHaveLength(1);
      expect(named('trackAdded')).toHaveLength(2);
      // Each join made its own transports.
      expect(gateway.requestsOf('room.join').map((r) => r.payload['media'])).toEqual([
        expect.objectContaining({ transports: ['recv', 'send'] }),
        expect.objectContaining({ transports: ['recv', 'send'] }),
      ]);
      expect(producers[1]?.payload['transportId']).not.toBe(producers[0]?.payload['transportId']);
      expect(named('trackUnpublished').map((e) => e.producerId)).toEqual([published.producerId]);
    });

    it('drops a dead resume token refused at the handshake and joins with the token alone', async () => {
      const { gateway, client, named } = setup();
      await client.join();
      gateway.refusals.push({ code: 'NOT_FOUND', message: 'session expired' });
      gateway.socket.drop();
      await until(() => named('sessionRestored').length === 1, 'sessionRestored');
      expect(gateway.sockets.map((s) => s.auth.resumeToken !== undefined)).toEqual([
        false,
        true,
        false,
      ]);
      expect(named('sessionRestored')[0]?.mode).toBe('rejoined');
    });

    it('keeps trying the gateways in turn while they cannot be reached', async () => {
      const { gateway, client, named } = setup();
      await client.join();
      gateway.unreachable.add('ws://gw-a');
      gateway.unreachable.add('ws://gw-b');
      gateway.socket.drop();
      await until(() => gateway.sockets.length >= 4, 'attempts');
      gateway.unreachable.clear();
      await until(() => named('sessionRestored').length === 1, 'sessionRestored');
      expect(gateway.sockets.map((s) => s.url).slice(0, 4)).toEqual([
        'ws://gw-a',
        'ws://gw-b',
        'ws://gw-a',
        'ws://gw-b',
      ]);
    });

    it('gives up after the last attempt and says so', async () => {
      const { gateway, client, named } = setup();
      await client.join();
      gateway.unreachable.add('ws://gw-a');
      gateway.unreachable.add('ws://gw-b');
      gateway.socket.drop();
      await until(() => client.connectionState === 'disconnected', 'disconnected');
      expect(gateway.sockets).toHaveLength(1 + 5);
      expect(named('error')[0]?.message).toMatch(/gave up reconnecting after 5 attempts/);
    });

    it('applies what the application did while disconnected once the session is back', async () => {
      const { gateway, client, named } = setup();
      await client.join();
      const mic = await client.publishMicrophone(fakeTrack('audio'));
      const camera = await client.publishCamera(fakeTrack('video'));
      gateway.unreachable.add('ws://gw-a');
      gateway.unreachable.add('ws://gw-b');
      gateway.socket.drop();
      await until(() => client.connectionState === 'reconnecting');

      await client.mute('microphone'); // no connection: recorded, applied later
      await client.unpublish('camera');
      const screen = client.publishScreen(fakeTrack('video')); // waits for the connection
      gateway.unreachable.clear();
      await until(() => named('sessionRestored').length === 1, 'sessionRestored');
      await expect(screen).resolves.toMatchObject({
        source: 'screen',
        producerId: expect.any(String),
      });

      const after = gateway.requests.filter((r) => r.socket !== gateway.sockets[0]);
      expect(after.filter((r) => r.method === 'producer.pause').map((r) => r.payload)).toEqual([
        { producerId: mic.producerId },
      ]);
      expect(after.filter((r) => r.method === 'producer.close').map((r) => r.payload)).toEqual([
        { producerId: camera.producerId },
      ]);
      expect(
        after.filter((r) => r.method === 'producer.create').map((r) => r.payload['source']),
      ).toEqual(['screen']);
      expect(client.room?.local.map((t) => [t.source, t.muted])).toEqual([
        ['microphone', true],
        ['screen', false],
      ]);
    });

    it('joins again on the same connection when the media node was lost', async () => {
      const { gateway, client, named } = setup();
      gateway.addProducer('alice', 'audio', 'microphone');
      const room = await client.join();
      await client.publishMicrophone(fakeTrack('audio'));
      const socket = gateway.socket;

      socket.push('session.reconnectRequired', { reason: 'node-lost' });
      await until(() => named('sessionRestored').length === 1, 'sessionRestored');

      expect(gateway.sockets).toHaveLength(1);
      expect(gateway.requestsOf('room.join').map((r) => r.socket)).toEqual([socket, socket]);
      expect(client.participantId).toBe(room.participantId);
      expect(gateway.requestsOf('producer.create')).toHaveLength(2);
      expect(named('trackAdded')).toHaveLength(2);
      expect(named('connectionState').slice(-2)).toEqual(['reconnecting', 'connected']);
      expect(named('sessionRestored')[0]).toMatchObject({
        mode: 'rejoined',
        participantId: room.participantId,
      });
    });

    it('tries joining again a few times while no media node is free', async () => {
      const { gateway, client, named } = setup();
      await client.join();
      let refusals = 2;
      gateway.answer('room.join', (_socket, _payload, base) => {
        if (refusals-- > 0) throw new CascadeError('NODE_UNAVAILABLE', 'no node yet');
        return base();
      });
      gateway.socket.push('session.reconnectRequired', { reason: 'node-lost' });
      await until(() => named('sessionRestored').length === 1, 'sessionRestored');
      expect(gateway.requestsOf('room.join')).toHaveLength(4);
      expect(named('error')).toEqual([]);
    });

    it('replays events that arrived while the session was being restored, once it is', async () => {
      const { gateway, client, named } = setup();
      await client.join();
      gateway.answer('session.resume', (socket, _payload, base) => {
        const result = base(); // taken before carol published: it does not list her screen
        const screen = gateway.addProducer('carol', 'video', 'screen');
        socket.push('participant.joined', participant('carol'));
        socket.push('producer.added', screen);
        return result;
      });
      gateway.socket.drop();
      await until(() => named('trackAdded').length === 1, 'trackAdded');
      expect(named('trackAdded')[0]).toMatchObject({ participantId: 'carol', source: 'screen' });
      expect(named('participantJoined').map((p) => p.participantId)).toEqual(['carol']);
    });

    it('consumes a producer once when both the restored room and an event name it', async () => {
      const { gateway, client, named } = setup();
      await client.join();
      gateway.answer('session.resume', (socket, _payload, base) => {
        const screen = gateway.addProducer('carol', 'video', 'screen');
        socket.push('producer.added', screen);
        return base();
      });
      gateway.socket.drop();
      await until(() => named('sessionRestored').length === 1, 'sessionRestored');
      await tick(20);
      expect(named('trackAdded')).toHaveLength(1);
      expect(gateway.requestsOf('consumer.create')).toHaveLength(1);
    });
  });

  describe('ending', () => {
    it('stops for good when removed from the room', async () => {
      const { gateway, client, named } = setup();
      await client.join();
      gateway.socket.push('session.removed', { reason: 'kicked' });
      gateway.sockets[0]!.drop('io server disconnect');
      await tick(10);
      expect(named('removed')).toEqual([{ reason: 'kicked' }]);
      expect(client.connectionState).toBe('disconnected');
      expect(gateway.sockets).toHaveLength(1);
      await expect(client.join()).rejects.toMatchObject({ code: 'CONFLICT' });
    });

    it('leaves the room and does not reconnect', async () => {
      const { gateway, client, named } = setup();
      await client.join();
      const track = fakeTrack('video');
      await client.publishCamera(track);
      await client.leave();
      expect(gateway.methods().at(-1)).toBe('room.leave');
      await tick(10);
      expect(gateway.sockets).toHaveLength(1);
      expect(named('connectionState').at(-1)).toBe('disconnected');
      expect(track.readyState).toBe('live'); // the application's track is the application's
    });
  });
});
