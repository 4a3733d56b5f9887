import type { types as ms } from 'mediasoup';

import { BrowserClient, DEFAULT_MEDIA } from '@cascade/testing';
import { eventually } from '@cascade/testing';
import { LOOPBACK_UDP, useMediaServer } from '../support/mediasoup';

describe('a browser-grade WebRTC client publishes VP8 and Opus through a WebRtcTransport and another client receives decoded frames', () => {
  const server = useMediaServer();
  let alice: BrowserClient | undefined; // publishes her camera and microphone
  let bob: BrowserClient | undefined; // subscribes to both
  let sendTransport: ms.WebRtcTransport;
  let recvTransport: ms.WebRtcTransport;
  let producers: ms.Producer[];
  let consumers: ms.Consumer[];

  beforeAll(async () => {
    const { router } = server();
    await Promise.all([
      BrowserClient.launch('alice').then((browser) => (alice = browser)),
      BrowserClient.launch('bob').then((browser) => (bob = browser)),
    ]);
    await Promise.all([alice!.load(router.rtpCapabilities), bob!.load(router.rtpCapabilities)]);
    sendTransport = await router.createWebRtcTransport({ listenInfos: [LOOPBACK_UDP] });
    recvTransport = await router.createWebRtcTransport({ listenInfos: [LOOPBACK_UDP] });
    producers = await alice!.publish(sendTransport);
    consumers = await bob!.subscribe(recvTransport, producers);
  }, 45_000);

  afterAll(async () => {
    await Promise.all([alice?.close(), bob?.close()]);
  }, 40_000);

  it('completes ICE and DTLS on the loopback address for both clients', async () => {
    for (const transport of [sendTransport, recvTransport]) {
      expect(transport.iceCandidates).toEqual([
        expect.objectContaining({ address: '127.0.0.1', protocol: 'udp' }),
      ]);
      await eventually(
        'ICE and DTLS to connect',
        () => ({ ice: transport.iceState, dtls: transport.dtlsState }),
        ({ ice, dtls }) => ['connected', 'completed'].includes(ice) && dtls === 'connected',
      );
    }
  });

  it('receives the VP8 and Opus RTP the publisher sends', async () => {
    expect(producers.map((p) => [p.kind, p.rtpParameters.codecs[0]?.mimeType])).toEqual([
      ['video', 'video/VP8'],
      ['audio', 'audio/opus'],
    ]);
    for (const producer of producers) {
      const [stats] = await eventually(
        `${producer.kind} producer stats to count received bytes`,
        () => producer.getStats(),
        ([s]) => (s?.byteCount ?? 0) > 10_000,
      );
      expect(stats).toMatchObject({
        type: 'inbound-rtp',
        mimeType: producer.rtpParameters.codecs[0]?.mimeType,
      });
    }
  });

  it('sends both streams on to the subscriber', async () => {
    expect(consumers.map((c) => [c.kind, c.rtpParameters.codecs[0]?.mimeType, c.paused])).toEqual([
      ['video', 'video/VP8', false],
      ['audio', 'audio/opus', false],
    ]);
    for (const consumer of consumers) {
      await eventually(
        `${consumer.kind} consumer stats to count sent bytes`,
        () => consumer.getStats(),
        (stats) => stats.some((s) => s.type === 'outbound-rtp' && s.byteCount > 10_000),
      );
    }
  });

  it('the subscriber decodes video frames at the size they were sent', async () => {
    const { video } = await eventually(
      'the subscriber to decode 30 video frames',
      () => bob!.received(),
      ({ video: v }) => v.frames >= 30,
    );
    expect({ width: video.width, height: video.height }).toEqual({
      width: DEFAULT_MEDIA.video.width,
      height: DEFAULT_MEDIA.video.height,
    });
  });

  it('the subscriber decodes the tone the publisher plays', async () => {
    const { audio } = await eventually(
      'the subscriber to decode a second of loud audio',
      () => bob!.received(),
      ({ audio: a }) => a.chunks >= 100 && a.peak > 4_000 && a.toneHz > 0,
    );
    expect(audio.sampleRate).toBe(48_000);
    expect(audio.toneHz).toBeGreaterThan(DEFAULT_MEDIA.audio.frequencyHz * 0.9);
    expect(audio.toneHz).toBeLessThan(DEFAULT_MEDIA.audio.frequencyHz * 1.1);
  });
});
