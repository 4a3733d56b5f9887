import { randomUUID } from 'node:crypto';

import { ChromiumSdkPage, SdkBot, eventually } from '@cascade/testing';
import { Redis } from 'ioredis';

import { cameraEncodings } from './support/chromium-camera';
import { placements } from './support/room-dumps';
import { useCascadeStack } from './support/stack';

/**
 * Dynacast (issue 14 item 3), end to end with real media: two gateways, the orchestrator and two
 * SFU nodes (sized tiny so that the room spans both, and the publisher's camera is piped to the
 * viewer on the other node). The publisher is the client SDK in Chromium (its fake camera at
 * 640x360: two simulcast layers, 320x180 and 640x360): libwebrtc in Node (@roamhq/wrtc) refuses
 * `RTCRtpSender.setParameters` once a sender is negotiated (its transaction is forgotten on the
 * signaling thread before JavaScript gets the parameters: `InvalidStateError`). The two viewers
 * are the SDK on @roamhq/wrtc (`SdkBot`). What the publisher sends is read where it happens: its
 * own sender's `outbound-rtp` statistics, per simulcast encoding.
 */
const stack = useCascadeStack({
  rooms: false,
  gateways: 2,
  sfuNodes: 2,
  sfuMaxStreams: 40,
  orchestratorStickyThreshold: 0.05,
  // With the nodes' defaults: a publisher's transport gets transport-cc feedback whatever
  // SFU_BWE_ENABLED says (without it Chromium's uplink estimate sinks to its 30 kbps floor and an
  // encoding switched back on has no bandwidth to send in).
});
const TENANT = 'acme';
/** The viewers publish nothing (the media settings are unused). */
const MEDIA = {
  video: { width: 160, height: 120, fps: 5 },
  audio: { frequencyHz: 440, sampleRate: 48_000 },
};
/** A tile that asks for the low layer (layerForSize → 0), and one that asks for more (→ 1). */
const SMALL = { width: 160, height: 90 };
const LARGE = { width: 640, height: 360 };
/** Chromium's fake camera, granted without asking. */
const FAKE_CAMERA = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The page's SDK (`window.cascadePage.client`), driven by scripts evaluated in the page. */
class PagePublisher {
  constructor(readonly page: ChromiumSdkPage) {}

  /** Publishes the fake camera at 640x360; resolves with its producer id. */
  publishCamera(): Promise<string> {
    return this.page.page.evaluate(`(async () => {
      const client = window.cascadePage.client;
      window.restored = 0;
      client.on('sessionRestored', () => { window.restored += 1; });
      const stream = await navigator.mediaDevices.getUserMedia({
        video: { width: 640, height: 360, frameRate: 10 },
      });
      return (await client.publishCamera(stream.getVideoTracks()[0])).producerId;
    })()`);
  }

  /**
   * The camera's encodings, lowest layer first, and what the send transport's bandwidth
   * estimator allows (`getStats()`).
   */
  cameraEncodings() {
    return cameraEncodings(this.page);
  }

  /** Drops the connection as the network would; the SDK reconnects and resumes by itself. */
  dropConnection(): Promise<void> {
    return this.page.page.evaluate('window.cascadePage.client.dropConnection()');
  }

  /** How many times the session was restored (`sessionRestored`). */
  restored(): Promise<number> {
    return this.page.page.evaluate('window.restored');
  }
}

describe('dynacast', () => {
  const started: SdkBot[] = [];
  let page: ChromiumSdkPage | undefined;
  let camera: string;
  let roomId: string;
  let redis: Redis;

  beforeAll(() => {
    roomId = `dynacast-${randomUUID().slice(0, 8)}`;
    const { REDIS_URL, REDIS_KEY_PREFIX } = stack.infra.env;
    redis = new Redis(REDIS_URL!, { keyPrefix: REDIS_KEY_PREFIX });
  });

  afterAll(async () => {
    redis?.disconnect();
    await Promise.all([
      ...started.map((b) => b.stop().catch(() => undefined)),
      page?.stop().catch(() => undefined),
    ]);
  }, 30_000);

  /** Until the room records `layer` as the camera's wanted layer (dynacast, in Redis). */
  function recorded(layer: string) {
    const key = `gw:view:{${TENANT}:${roomId}}:layers`;
    return eventually(
      `layer ${layer} recorded`,
      () => redis.hget(key, camera),
      (l) => l === layer,
    );
  }

  async function viewer(name: string, gateway: number): Promise<SdkBot> {
    const urls = stack.gatewayUrls;
    const launched = await SdkBot.start({
      url: [urls[gateway % 2]!, urls[(gateway + 1) % 2]!],
      token: () => stack.mintJoinToken({ tenant: TENANT, user: `u_${name}`, room: roomId, name }),
      displayName: name,
      name,
      publish: { camera: false, microphone: false },
      media: MEDIA,
      autoSubscribe: true,
    });
    started.push(launched);
    return launched;
  }

  /** One encoding of the publisher's camera over about a second, as its sender reports it. */
  interface EncodingSample {
    rid: string | undefined;
    /** RTP packets sent over the second. */
    sent: number;
    /** Switched on (`outbound-rtp`'s `active`), when the WebRTC stack says. */
    active: boolean | undefined;
    reason: string | undefined;
    /** What the sender's bandwidth estimator allowed then (bits per second). */
    bwe: number | undefined;
  }

  /**
   * Each encoding of the publisher's camera (lowest layer first), from two samples of its
   * sender's statistics about a second apart.
   */
  async function sample(publisher: PagePublisher): Promise<EncodingSample[]> {
    const before = (await publisher.cameraEncodings()).encodings;
    await sleep(1_200); // 10 fps: a sending encoding sends several packets meanwhile
    const { encodings, bwe } = await publisher.cameraEncodings();
    return encodings.map((e, i) => ({
      rid: e.rid,
      sent: e.packetsSent - (before[i]?.packetsSent ?? 0),
      active: e.active,
      reason: e.qualityLimitationReason,
      bwe,
    }));
  }

  /**
   * Until the publisher's camera sends its encodings as `sending` says (bounded): a sending one
   * is active and sends packets, a stopped one is inactive and sends none.
   */
  function sends(what: string, publisher: PagePublisher, sending: boolean[]) {
    return eventually(
      what,
      () => sample(publisher),
      (encodings) =>
        encodings.length === sending.length &&
        encodings.every((e, i) =>
          sending[i] ? e.sent > 0 && e.active !== false : e.sent === 0 && e.active === false,
        ),
      { timeoutMs: 30_000, intervalMs: 100 },
    );
  }

  it('with every viewer asking for the low layer the high encoding stops at the source, and comes back when one viewer enlarges the tile', async () => {
    page = await ChromiumSdkPage.start({ chromiumArgs: FAKE_CAMERA });
    const publisher = new PagePublisher(page);
    const { participantId } = await page.join({
      url: stack.gatewayUrls[0]!,
      token: stack.mintJoinToken({ tenant: TENANT, user: 'u_pub', room: roomId, name: 'pub' }),
    });
    camera = await publisher.publishCamera();
    const viewers = [await viewer('v0', 0), await viewer('v1', 1)];
    for (const v of viewers) await v.join();
    // Both viewers decode the camera; without views they have no preference: both layers go.
    for (const v of viewers)
      await eventually(
        `${v.name} decodes the camera`,
        () => v.received(),
        (r) => (r[camera]?.decodedFrames ?? 0) > 3,
        { timeoutMs: 30_000 },
      );
    await sends('without views, every encoding', publisher, [true, true]);
    // The room spans both nodes: a viewer receives the camera through a pipe.
    expect(new Set((await placements(stack, TENANT, roomId)).values()).size).toBe(2);

    // Every viewer shows the publisher small: the high encoding is switched off at the source.
    for (const v of viewers) await v.setView({ visible: [{ participantId, ...SMALL }], lastN: 1 });
    await recorded('0');
    await sends('the low encoding only', publisher, [true, false]);
    // The viewers still receive it (the low layer).
    for (const v of viewers) {
      const before = (await v.received())[camera]?.decodedFrames ?? 0;
      await eventually(
        `${v.name} still decodes the camera`,
        () => v.received(),
        (r) => (r[camera]?.decodedFrames ?? 0) > before + 3,
        { timeoutMs: 20_000 },
      );
    }

    // One viewer enlarges the tile: the high encoding is switched on and sends again.
    await viewers[1]!.setView({ visible: [{ participantId, ...LARGE }], lastN: 1 });
    await recorded('1');
    await sends('both encodings again', publisher, [true, true]);
    await eventually(
      'the large tile at the high layer',
      () => viewers[1]!.received(),
      (r) => r[camera]?.width === 640,
      { timeoutMs: 20_000 },
    );

    // Nobody shows it (views of nobody, and nobody has spoken): no encoding is sent at all.
    for (const v of viewers) await v.setView({ visible: [], lastN: 1 });
    await recorded('none');
    await sends('no encoding', publisher, [false, false]);

    // The publisher's connection drops and, while it resumes, a viewer shows it small again: the
    // layer reaches it (told when it changes, or again when the session is resumed).
    await publisher.dropConnection();
    await viewers[0]!.setView({ visible: [{ participantId, ...SMALL }], lastN: 1 });
    await eventually(
      'the publisher resumed',
      () => publisher.restored(),
      (n) => n > 0,
      {
        timeoutMs: 30_000,
      },
    );
    await sends('after the resume, the low encoding', publisher, [true, false]);
  }, 300_000);
});
