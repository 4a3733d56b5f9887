import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

import type { Browser, Page } from 'playwright-core';

const run = promisify(execFile);
const PACKAGES = resolve(__dirname, '../../..');

/** Debian's Chromium, as the web app's end-to-end tests drive it (never a downloaded browser). */
export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
];

/** What the page's peer connections decode, per inbound RTP stream. */
export interface PageInboundStream {
  kind: 'audio' | 'video';
  framesDecoded: number;
  totalSamplesReceived: number;
}

/** The local candidate of a peer connection's selected candidate pair. */
export interface PageSelectedCandidate {
  candidateType: string;
  /** For a relay candidate: how the page reaches the TURN server (udp, tcp or tls). */
  relayProtocol?: string;
  url?: string;
}

export interface PagePeerConnection {
  iceServers: Array<{ urls: string | string[] }>;
  iceTransportPolicy: string;
  connectionState: string;
  selected?: PageSelectedCandidate | undefined;
  inbound: PageInboundStream[];
}

/**
 * The page's side: @cascade/client (bundled from its sources) on the browser's own WebRTC, every
 * RTCPeerConnection recorded with its ICE candidate errors, received tracks played.
 */
const ENTRY = `
import { CascadeClient } from '@cascade/client';

const peerConnections = [];
const iceErrors = [];
const Native = window.RTCPeerConnection;
window.RTCPeerConnection = class extends Native {
  constructor(...args) {
    super(...args);
    peerConnections.push(this);
    this.addEventListener('icecandidateerror', (e) =>
      iceErrors.push({ errorCode: e.errorCode, url: e.url, errorText: e.errorText }),
    );
  }
};

async function describe(pc) {
  const report = await pc.getStats();
  const stats = [...report.values()];
  const transport = stats.find((s) => s.type === 'transport' && s.selectedCandidatePairId);
  const pair = transport && report.get(transport.selectedCandidatePairId);
  const local = pair && report.get(pair.localCandidateId);
  const config = pc.getConfiguration();
  return {
    iceServers: (config.iceServers ?? []).map((s) => ({ urls: s.urls })),
    iceTransportPolicy: config.iceTransportPolicy,
    connectionState: pc.connectionState,
    selected: local
      ? { candidateType: local.candidateType, relayProtocol: local.relayProtocol, url: local.url }
      : undefined,
    inbound: stats
      .filter((s) => s.type === 'inbound-rtp')
      .map((s) => ({
        kind: s.kind,
        framesDecoded: s.framesDecoded ?? 0,
        totalSamplesReceived: s.totalSamplesReceived ?? 0,
      })),
  };
}

window.cascadePage = {
  async join({ url, token, iceTransportPolicy }) {
    const client = new CascadeClient({ url, token, iceTransportPolicy });
    window.cascadePage.client = client;
    client.on('trackAdded', ({ track }) => {
      const element = document.createElement(track.kind);
      element.muted = true;
      element.autoplay = true;
      element.srcObject = new MediaStream([track]);
      document.body.append(element);
      element.play().catch(() => undefined);
    });
    await client.join();
    return { participantId: client.participantId };
  },
  peerConnections: () => Promise.all(peerConnections.map(describe)),
  iceErrors: () => iceErrors,
  leave: () => window.cascadePage.client?.leave(),
};
`;

let bundle: Promise<string> | undefined;

/**
 * The page's script: ENTRY with @cascade/client and @cascade/contracts from their sources, built
 * once per process by vite (in a child process: vite is an ES module, which Jest cannot load).
 */
function sdkBundle(): Promise<string> {
  bundle ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cascade-sdk-page-'));
    try {
      const entry = join(dir, 'entry.js');
      writeFileSync(entry, ENTRY);
      const script = `
        const { build } = await import(${JSON.stringify(require.resolve('vite'))});
        await build({
          configFile: false,
          logLevel: 'warn',
          root: ${JSON.stringify(dir)},
          resolve: {
            alias: {
              '@cascade/client': ${JSON.stringify(join(PACKAGES, 'client/src/index.ts'))},
              '@cascade/contracts': ${JSON.stringify(join(PACKAGES, 'contracts/src/index.ts'))},
            },
          },
          build: {
            outDir: ${JSON.stringify(join(dir, 'out'))},
            minify: false,
            lib: { entry: ${JSON.stringify(entry)}, formats: ['iife'], name: 'CascadePage', fileName: () => 'page.js' },
          },
        });`;
      await run(process.execPath, ['--input-type=module', '-e', script], {
        cwd: join(PACKAGES, 'testing'),
        timeout: 120_000,
      });
      return readFileSync(join(dir, 'out', 'page.js'), 'utf8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  })();
  return bundle;
}

/**
 * A participant in Debian's Chromium: the client SDK in a page served from 127.0.0.1, on the
 * browser's own WebRTC stack (what a user's browser runs, TURN over TLS included, which
 * @roamhq/wrtc cannot do with a certificate it has no way to trust). `chromiumArgs` adds to the
 * launch flags, e.g. `--ignore-certificate-errors-spki-list=<spki>` to trust one self-signed
 * certificate (the test TURN server's) and nothing else.
 */
export class ChromiumSdkPage {
  private constructor(
    private readonly browser: Browser,
    private readonly server: Server,
    readonly page: Page,
  ) {}

  static async start(options: { chromiumArgs?: string[] } = {}): Promise<ChromiumSdkPage> {
    const script = await sdkBundle();
    const server = createServer((req, res) => {
      if (req.url === '/page.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
        return;
      }
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<!doctype html><html><body><script src="/page.js"></script></body></html>');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: [...CHROMIUM_ARGS, ...(options.chromiumArgs ?? [])],
    });
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      await page.waitForFunction(() => 'cascadePage' in globalThis);
      return new ChromiumSdkPage(browser, server, page);
    } catch (error) {
      await browser.close();
      server.close();
      throw error;
    }
  }

  /** Joins with the SDK; resolves once joined (media may still be connecting). */
  join(options: {
    url: string;
    token: string;
    iceTransportPolicy?: 'all' | 'relay';
  }): Promise<{ participantId: string }> {
    return this.page.evaluate(
      (o) =>
        (
          globalThis as unknown as {
            cascadePage: { join(o: unknown): Promise<{ participantId: string }> };
          }
        ).cascadePage.join(o),
      options,
    );
  }

  /** Every peer connection of the page: its configuration, state, selected candidate, inbound media. */
  peerConnections(): Promise<PagePeerConnection[]> {
    return this.page.evaluate(() =>
      (
        globalThis as unknown as {
          cascadePage: { peerConnections(): Promise<PagePeerConnection[]> };
        }
      ).cascadePage.peerConnections(),
    );
  }

  /** The `icecandidateerror` events of the page's peer connections (701: no TURN server reached). */
  iceErrors(): Promise<Array<{ errorCode: number; url: string; errorText: string }>> {
    return this.page.evaluate(() =>
      (
        globalThis as unknown as {
          cascadePage: {
            iceErrors(): Array<{ errorCode: number; url: string; errorText: string }>;
          };
        }
      ).cascadePage.iceErrors(),
    );
  }

  async stop(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    await new Promise((done) => this.server.close(done));
  }
}
