import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  ChromiumSdkPage,
  type RunningCoturn,
  SdkBot,
  type SelfSignedCertificate,
  eventually,
  freePortRange,
  selfSignedCertificate,
  startCoturn,
} from '@cascade/testing';

import { useCascadeStack } from './support/stack';

/**
 * TURN over TLS, for clients behind a network that lets only TLS out: a real coturn (the local
 * stack's configuration, `startCoturn`) with a TLS listener and a self-signed certificate made
 * with openssl, a gateway that hands sessions only `turns:127.0.0.1:<port>?transport=tcp` (443 in
 * deployments; a free port here), and a participant in Debian's Chromium (the SDK in a page, on
 * the browser's own WebRTC) forced to relay (`iceTransportPolicy: 'relay'`): it decodes a
 * publisher's camera and microphone from the sfu-node through TURN over TLS. Chromium checks the
 * certificate: it is told to trust this one (pinned by its public key,
 * `--ignore-certificate-errors-spki-list`) and nothing else, and without the pin it refuses the
 * server. (@roamhq/wrtc, the SDK bots' WebRTC, cannot do TURN over TLS with a certificate that
 * is not from a public CA: libwebrtc checks it against its built-in roots and wrtc exposes no
 * `tlsCertPolicy`; the bot here publishes over direct paths.)
 */
const SECRET = randomBytes(24).toString('hex');
const TENANT = 'acme';
let dir = '';
let certificate: SelfSignedCertificate;
let tlsPort = 0;
let coturn: RunningCoturn | undefined;
const turnLog = () => coturn?.log() ?? '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cascade-turn-tls-'));
  certificate = selfSignedCertificate(dir, ['127.0.0.1']);
  // One run of free ports: TURN (UDP/TCP), TURN over TLS, then the relay ports.
  const base = await freePortRange(42);
  tlsPort = base + 1;
  coturn = await startCoturn({
    port: base,
    relayPorts: [base + 2, base + 41],
    secret: SECRET,
    realm: 'cascade.test',
    tls: { port: tlsPort, cert: certificate.cert, key: certificate.key },
    verbose: true,
  });
});

afterAll(async () => {
  if (process.env['CASCADE_TEST_SHOW_LOGS']) console.log(`── turnserver ──\n${turnLog()}`);
  await coturn?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const stack = useCascadeStack({
  gateways: 1,
  sfuNodes: 1,
  gatewayEnv: () => ({
    GATEWAY_TURN_URLS: `turns:127.0.0.1:${tlsPort}?transport=tcp`,
    GATEWAY_TURN_SECRET: SECRET,
  }),
});

describe('TURN over TLS (real coturn, Chromium)', () => {
  const bots: SdkBot[] = [];
  const pages: ChromiumSdkPage[] = [];
  afterAll(async () => {
    await Promise.all([...bots, ...pages].map((c) => c.stop().catch(() => undefined)));
  });

  async function publisher(roomId: string): Promise<{ bot: SdkBot; participantId: string }> {
    const bot = await SdkBot.start({
      url: stack.gatewayUrls[0]!,
      token: () => stack.mintJoinToken({ tenant: TENANT, user: 'u_alice', room: roomId }),
      displayName: 'alice',
      name: 'alice',
      publish: { camera: true, microphone: true },
      media: {
        video: { width: 160, height: 120, fps: 10 },
        audio: { frequencyHz: 440, sampleRate: 48_000 },
      },
    });
    bots.push(bot);
    return { bot, participantId: (await bot.join()).participantId };
  }

  async function chromium(chromiumArgs: string[]): Promise<ChromiumSdkPage> {
    const page = await ChromiumSdkPage.start({ chromiumArgs });
    pages.push(page);
    return page;
  }

  it('gets a browser forced to relay its media from the sfu-node through TURN over TLS', async () => {
    const room = await stack.createRoom(TENANT, 'u_owner', { id: 'r_turn_tls' });
    await publisher(room.id);
    const page = await chromium([`--ignore-certificate-errors-spki-list=${certificate.spki}`]);
    const { participantId } = await page.join({
      url: stack.gatewayUrls[0]!,
      token: stack.mintJoinToken({ tenant: TENANT, user: 'u_bob', room: room.id }),
      iceTransportPolicy: 'relay',
    });

    const connections = await eventually(
      'the browser to decode the camera and the microphone, relayed over TLS',
      () => page.peerConnections(),
      (pcs) => {
        const inbound = pcs.flatMap((pc) => pc.inbound);
        return (
          inbound.some((s) => s.kind === 'video' && s.framesDecoded >= 20) &&
          inbound.some((s) => s.kind === 'audio' && s.totalSamplesReceived >= 48_000)
        );
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    // Both transports (mediasoup-client's capability probes are closed at once): handed only the
    // TURN/TLS server, relay only; the receiving one connected through a relay candidate the
    // browser reached over TLS.
    const transports = connections.filter((pc) => pc.connectionState !== 'closed');
    expect(transports).toHaveLength(2);
    for (const pc of transports) {
      expect(pc).toMatchObject({
        iceServers: [{ urls: [`turns:127.0.0.1:${tlsPort}?transport=tcp`] }],
        iceTransportPolicy: 'relay',
      });
    }
    const receiving = transports.find((pc) => pc.inbound.length > 0)!;
    expect(receiving.connectionState).toBe('connected');
    expect(receiving.selected).toMatchObject({ candidateType: 'relay', relayProtocol: 'tls' });
    // coturn allocated for this session's own credential (`<expiry>:<participant id>`) on its
    // TLS listener.
    expect(turnLog()).toMatch(new RegExp(`:${participantId}>[^\\n]*ALLOCATE processed, success`));
    expect(turnLog()).toMatch(
      new RegExp(`TLS/TCP listener opened on : 127\\.0\\.0\\.1:${tlsPort}`),
    );
  });

  it('refuses the TURN server to a browser that was not told to trust its certificate', async () => {
    const room = await stack.createRoom(TENANT, 'u_owner', { id: 'r_turn_tls_untrusted' });
    await publisher(room.id);
    const page = await chromium([]);
    await page.join({
      url: stack.gatewayUrls[0]!,
      token: stack.mintJoinToken({ tenant: TENANT, user: 'u_carol', room: room.id }),
      iceTransportPolicy: 'relay',
    });
    // Chromium checks the certificate and gives the server up: 701, no relay, no connection.
    await eventually(
      'the browser to give up the TURN/TLS server it does not trust',
      () => page.iceErrors(),
      (errors) =>
        errors.some(
          (e) => e.errorCode === 701 && e.url === `turns:127.0.0.1:${tlsPort}?transport=tcp`,
        ),
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    const transports = (await page.peerConnections()).filter(
      (pc) => pc.connectionState !== 'closed',
    );
    expect(transports).toHaveLength(2);
    for (const pc of transports) {
      expect(pc.connectionState).not.toBe('connected');
      expect(pc.selected).toBeUndefined();
    }
  });
});
