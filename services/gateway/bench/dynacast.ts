/**
 * Dynacast's saving in publisher upload (issue 14): a publisher in Chromium (the client SDK, its
 * fake camera at 640x360 in two simulcast layers, 320x180 and 640x360) and two viewers (the SDK
 * on @roamhq/wrtc) on two sfu-nodes, so that one receives the camera through a pipe. The viewers'
 * views go round three phases, each measured several times, side by side in one run:
 *
 * - **large**: both show the publisher large: the top layer is wanted, the publisher sends every
 *   layer. This is also what it sends in every phase without dynacast (a publisher that is never
 *   told anything sends every layer, whatever the views).
 * - **small**: both show it small: only the low layer is wanted; dynacast switches the high
 *   encoding off at the source.
 * - **hidden**: neither shows it (and nobody speaks): no layer is wanted; every encoding is off.
 *
 * What the publisher sends is read from its own sender's `outbound-rtp` statistics (bytes per
 * encoding) over each window, after the view has had time to apply (dynacast's lowering delay,
 * the layer switch, a key frame). Writes bench-results/dynacast.json and .md at the repository
 * root. Everything runs on this machine against real processes (startCascadeStack); build first.
 *
 *   npm run bench:dynacast -w @cascade/gateway [-- --rounds 3 --window 10 --settle 6]
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import {
  type BenchMachine,
  ChromiumSdkPage,
  REPO_ROOT,
  SdkBot,
  benchMachine,
  writeFormatted,
} from '@cascade/testing';

import { cameraEncodings } from '../test/support/chromium-camera';
import { startCascadeStack } from '../test/support/stack';
import { median, sleep } from './stats';

type Phase = 'large' | 'small' | 'hidden';
const PHASES: Phase[] = ['large', 'small', 'hidden'];
const TENANT = 'bench';
/** Tiles that ask for the top layer (layerForSize → 1 at 640x360) and for the lowest (→ 0). */
const TILES = { large: { width: 640, height: 360 }, small: { width: 160, height: 90 } };
const CHROMIUM_ARGS = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];
const VIEWER_MEDIA = {
  video: { width: 160, height: 120, fps: 5 },
  audio: { frequencyHz: 440, sampleRate: 48_000 },
};

interface Settings {
  rounds: number;
  windowSeconds: number;
  settleSeconds: number;
  write: boolean;
}

function settings(): Settings {
  const { values } = parseArgs({
    strict: false,
    options: {
      rounds: { type: 'string' },
      window: { type: 'string' },
      settle: { type: 'string' },
      'no-write': { type: 'boolean' },
    },
  });
  const num = (v: unknown, fallback: number) => {
    const n = typeof v === 'string' ? Number(v) : NaN;
    return Number.isFinite(n) && n > 0 ? n : fallback;
  };
  return {
    rounds: num(values['rounds'], 3),
    windowSeconds: num(values['window'], 8),
    settleSeconds: num(values['settle'], 5),
    write: !values['no-write'],
  };
}

/** One measured window of one phase. */
interface PhaseWindow {
  phase: Phase;
  round: number;
  seconds: number;
  /** Upload of each encoding over the window, kbit/s, lowest layer first. */
  kbpsPerEncoding: number[];
  kbps: number;
  /** Each encoding switched on at the end of the window (`active`), lowest first. */
  active: Array<boolean | undefined>;
  /** Why the encoder sent less than asked, at the end of the window. */
  limitation: string | undefined;
  /** What the send transport's bandwidth estimator allowed at the end (kbit/s). */
  bweKbps: number | undefined;
  /** Frames each viewer decoded of the camera over the window. */
  framesDecoded: number[];
}

const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

async function main(): Promise<void> {
  const s = settings();
  const machine = benchMachine();
  const loadAtStart = loadavg();
  const started = performance.now();
  const stack = await startCascadeStack({
    rooms: false,
    gateways: 2,
    sfuNodes: 2,
    // Tiny nodes, so that the room spans both and one viewer receives the camera through a pipe.
    sfuMaxStreams: 40,
    orchestratorStickyThreshold: 0.05,
  });
  log('stack up: 2 gateways, 2 sfu-nodes');
  const roomId = `dynacast-${randomBytes(4).toString('hex')}`;
  const token = (user: string) =>
    stack.mintJoinToken({ tenant: TENANT, user: `u_${user}`, room: roomId, name: user });
  let page: ChromiumSdkPage | undefined;
  const viewers: SdkBot[] = [];
  try {
    page = await ChromiumSdkPage.start({ chromiumArgs: CHROMIUM_ARGS });
    const { participantId } = await page.join({ url: stack.gatewayUrls[0]!, token: token('pub') });
    const camera: string = await page.page.evaluate(`(async () => {
      const stream = await navigator.mediaDevices.getUserMedia({
        video: { width: 640, height: 360, frameRate: 15 },
      });
      return (await window.cascadePage.client.publishCamera(stream.getVideoTracks()[0])).producerId;
    })()`);
    for (const [i, name] of ['v0', 'v1'].entries()) {
      const urls = stack.gatewayUrls;
      const bot = await SdkBot.start({
        url: [urls[i % 2]!, urls[(i + 1) % 2]!],
        token: () => token(name),
        displayName: name,
        name,
        publish: { camera: false, microphone: false },
        media: VIEWER_MEDIA,
        autoSubscribe: true,
      });
      viewers.push(bot);
      await bot.join();
    }
    log(`publisher ${participantId}, camera ${camera}; 2 viewers joined`);
    const decoded = async () =>
      Promise.all(viewers.map(async (v) => (await v.received())[camera]?.decodedFrames ?? 0));
    const windows: PhaseWindow[] = [];
    // A first look: let the publisher's bandwidth estimate ramp up with every layer wanted.
    for (const v of viewers)
      await v.setView({ visible: [{ participantId, ...TILES.large }], lastN: 1 });
    await sleep(10_000);
    for (let round = 1; round <= s.rounds; round += 1) {
      for (const phase of PHASES) {
        for (const v of viewers)
          await v.setView({
            visible: phase === 'hidden' ? [] : [{ participantId, ...TILES[phase] }],
            lastN: 1,
          });
        await sleep(s.settleSeconds * 1_000);
        const [before, framesBefore] = [await cameraEncodings(page), await decoded()];
        const t0 = performance.now();
        await sleep(s.windowSeconds * 1_000);
        const [after, framesAfter] = [await cameraEncodings(page), await decoded()];
        const seconds = (performance.now() - t0) / 1_000;
        const kbpsPerEncoding = after.encodings.map(
          (e, i) => ((e.bytesSent - (before.encodings[i]?.bytesSent ?? 0)) * 8) / seconds / 1_000,
        );
        const window: PhaseWindow = {
          phase,
          round,
          seconds,
          kbpsPerEncoding,
          kbps: kbpsPerEncoding.reduce((a, b) => a + b, 0),
          active: after.encodings.map((e) => e.active),
          limitation: after.encodings.find((e) => e.qualityLimitationReason !== undefined)
            ?.qualityLimitationReason,
          bweKbps: after.bwe === undefined ? undefined : after.bwe / 1_000,
          framesDecoded: framesAfter.map((f, i) => f - framesBefore[i]!),
        };
        windows.push(window);
        log(
          `round ${round} ${phase}: ${window.kbps.toFixed(0)} kbit/s (${kbpsPerEncoding
            .map((k) => k.toFixed(0))
            .join(' + ')}), active ${JSON.stringify(window.active)}, decoded ${JSON.stringify(
            window.framesDecoded,
          )}`,
        );
      }
    }
    const elapsedSeconds = (performance.now() - started) / 1_000;
    if (s.write) {
      const files = await writeDynacastReport({
        settings: s,
        machine,
        loadAtStart,
        elapsedSeconds,
        windows,
      });
      log(`wrote ${files.join(', ')}`);
    }
  } finally {
    await Promise.all([
      ...viewers.map((v) => v.stop().catch(() => undefined)),
      page?.stop().catch(() => undefined),
    ]);
    await stack.stop();
  }
}

interface DynacastResults {
  settings: Settings;
  machine: BenchMachine;
  loadAtStart: number[];
  elapsedSeconds: number;
  windows: PhaseWindow[];
}

function analyse(r: DynacastResults) {
  const byPhase = Object.fromEntries(
    PHASES.map((phase) => {
      const of = r.windows.filter((w) => w.phase === phase);
      const layers = Math.max(0, ...of.map((w) => w.kbpsPerEncoding.length));
      return [
        phase,
        {
          windows: of.length,
          kbps: median(of.map((w) => w.kbps)),
          kbpsPerEncoding: Array.from({ length: layers }, (_, i) =>
            median(of.map((w) => w.kbpsPerEncoding[i] ?? 0)),
          ),
          decodedPerSecond: median(of.flatMap((w) => w.framesDecoded.map((f) => f / w.seconds))),
          limitations: [...new Set(of.map((w) => w.limitation ?? 'unknown'))],
        },
      ];
    }),
  ) as Record<
    Phase,
    {
      windows: number;
      kbps: number;
      kbpsPerEncoding: number[];
      decodedPerSecond: number;
      limitations: string[];
    }
  >;
  const saving = (phase: Phase) =>
    byPhase.large.kbps > 0 ? 1 - byPhase[phase].kbps / byPhase.large.kbps : Number.NaN;
  return { byPhase, savingSmall: saving('small'), savingHidden: saving('hidden') };
}

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(0)} %` : 'n/a');
const kbit = (x: number) => x.toFixed(0);

function markdown(r: DynacastResults, a: ReturnType<typeof analyse>, conditions: object): string {
  const rows = PHASES.map((phase) => {
    const p = a.byPhase[phase];
    return `| ${phase} | ${p.windows} | ${kbit(p.kbps)} | ${p.kbpsPerEncoding.map(kbit).join(' + ')} | ${p.decodedPerSecond.toFixed(1)} | ${p.limitations.join(', ')} |`;
  });
  const windows = r.windows.map(
    (w) =>
      `| ${w.round} | ${w.phase} | ${kbit(w.kbps)} | ${w.kbpsPerEncoding.map(kbit).join(' + ')} | ${w.active.map((x) => (x === undefined ? '?' : x ? 'on' : 'off')).join(' / ')} | ${w.bweKbps === undefined ? '?' : kbit(w.bweKbps)} | ${w.framesDecoded.join(' / ')} |`,
  );
  return `# Dynacast: what the publisher uploads, by what the room wants (issue 14)

One publisher (the client SDK in Chromium, fake camera at 640x360 and 15 fps, simulcast in ${a.byPhase.large.kbpsPerEncoding.length} encodings) and two viewers (the SDK on @roamhq/wrtc) on two sfu-nodes, one of them receiving the camera through a pipe. The viewers' views go round three phases, ${r.settings.rounds} rounds, side by side in one run: **large** (both show the publisher at 640x360: the top layer is wanted), **small** (both at 160x90: the low layer only), **hidden** (neither shows it, nobody speaks: nothing is wanted). Each window is ${r.settings.windowSeconds} s, measured ${r.settings.settleSeconds} s after the views changed (dynacast's 2 s lowering delay, the switch, a key frame). Upload is the camera's \`bytesSent\` per encoding from the publisher's own sender statistics. Every figure below is computed from this run's data (\`dynacast.json\`).

Without dynacast a publisher sends every layer whatever the views: what it sends in **large** is what it would send in every phase. So the saving in upload is **small** and **hidden** against **large**:

| goal | measured |
| --- | ---: |
| upload saved when every viewer shows the publisher small (the high encoding off) | ${pct(a.savingSmall)} |
| upload saved when nobody shows the publisher (every encoding off) | ${pct(a.savingHidden)} |

## By phase (medians over the rounds)

| phase | windows | camera upload kbit/s | per encoding, lowest first | frames decoded per viewer per second | encoder limited by |
| --- | ---: | ---: | ---: | ---: | --- |
${rows.join('\n')}

## Every window

| round | phase | kbit/s | per encoding | encodings on (end of window) | send-side estimate kbit/s | frames decoded per viewer |
| --- | --- | ---: | ---: | --- | ---: | ---: |
${windows.join('\n')}

## Conditions

\`\`\`json
${JSON.stringify(conditions, null, 2)}
\`\`\`

- The machine is small and shared; absolute figures move from run to run, the comparison is side by side in one room. The encoder's own CPU is not measured (Chromium reports no per-encoding encode time through the SDK); an encoding switched off is neither encoded nor sent.
- Re-run: \`npm run bench:dynacast -w @cascade/gateway\` after \`npx turbo run build\`.
`;
}

async function writeDynacastReport(r: DynacastResults): Promise<string[]> {
  const dir = join(REPO_ROOT, 'bench-results');
  mkdirSync(dir, { recursive: true });
  const analysis = analyse(r);
  const conditions = {
    date: new Date().toISOString(),
    commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT })
      .toString()
      .trim(),
    machine: r.machine,
    loadAverageAtStart: r.loadAtStart,
    loadAverageAtEnd: loadavg(),
    node: process.version,
    elapsedSeconds: r.elapsedSeconds,
    settings: r.settings,
  };
  const json = join(dir, 'dynacast.json');
  const md = join(dir, 'dynacast.md');
  await writeFormatted(json, JSON.stringify({ conditions, analysis, windows: r.windows }, null, 2));
  await writeFormatted(md, markdown(r, analysis, conditions));
  return [json, md];
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
