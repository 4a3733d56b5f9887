import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

import { SdkBot } from '@cascade/testing';
import { type Browser, type BrowserContext, type Page, test } from '@playwright/test';

import { createRoom, DESKTOP, PHONE, signIn } from '../e2e/support/app';
import { launchWithMicrophone, recordPeerConnections, silenceWav } from '../e2e/support/media';
import { E2E_HTTP_PORT_BASE } from '../e2e/support/stack-config';

/**
 * The call in real Chromium pages on this machine (loopback, both gateways, both sfu-nodes):
 *   1. first remote frame with two pages, repeated: where the time of a join goes, step by step
 *      (the SDK's `timing` events, which the app turns into User Timing measures);
 *   2. N pages in one room: join, first frame, main-thread CPU and JS heap;
 *   3. 30 participants (two pages, the rest SDK bots): what a page receives with the grid paged
 *      against a subscriber of everyone.
 * Results with their conditions go to bench-results/web-call.{md,json}. No asserts: figures.
 */
const REPEAT = Number(process.env['CASCADE_BENCH_REPEAT'] ?? 7);
const SIZES = (process.env['CASCADE_BENCH_PAGES'] ?? '2,3,4').split(',').map(Number);
const CROWD = Number(process.env['CASCADE_BENCH_CROWD'] ?? 30);
/** Which parts to run (all by default): `CASCADE_BENCH_PARTS=1,3`. */
const PARTS = new Set((process.env['CASCADE_BENCH_PARTS'] ?? '1,2,3').split(',').map(Number));
const OUT = join(import.meta.dirname, '..', '..', '..', 'bench-results');
const IDENTITY = `http://127.0.0.1:${E2E_HTTP_PORT_BASE + 1}`;
const GATEWAYS = [E2E_HTTP_PORT_BASE, E2E_HTTP_PORT_BASE + 5].map((p) => `http://127.0.0.1:${p}`);

interface JoinFigures {
  joinMs: number;
  publishedMs: number;
  firstFrameMs: number | null;
  /** SDK steps: when each ended, from the click (ms), and how long it took. */
  steps: Array<{ name: string; endMs: number; durationMs: number }>;
  /** Only when no remote frame was shown: what each page's connections did, to say why. */
  noFrame?: {
    receiver: RtpSummary[];
    sender: RtpSummary[];
    videoElements: number;
    console: string[];
  };
}

interface RtpSummary {
  type: string;
  kind: string;
  packets: number;
  frames: number;
  pcState: string;
  extra: string;
}

/** Every RTP stream of the page's connections: how far each got. */
function rtpSummary(page: Page): Promise<RtpSummary[]> {
  return page.evaluate(async () => {
    const pcs =
      (window as unknown as { __cascadePeerConnections?: RTCPeerConnection[] })
        .__cascadePeerConnections ?? [];
    const out: RtpSummary[] = [];
    for (const pc of pcs) {
      (await pc.getStats()).forEach((s: Record<string, unknown>) => {
        if (s['type'] !== 'inbound-rtp' && s['type'] !== 'outbound-rtp') return;
        const num = (k: string) => (typeof s[k] === 'number' ? (s[k] as number) : 0);
        out.push({
          type: String(s['type']),
          kind: String(s['kind']),
          packets: num('packetsReceived') + num('packetsSent'),
          frames: num('framesDecoded') + num('framesEncoded'),
          pcState: pc.connectionState,
          extra: [
            s['rid'] ? `rid ${String(s['rid'])}` : '',
            s['active'] === false ? 'inactive' : '',
            s['qualityLimitationReason'] ? `limited ${String(s['qualityLimitationReason'])}` : '',
            num('pliCount') ? `pli ${num('pliCount')}` : '',
            num('firCount') ? `fir ${num('firCount')}` : '',
            num('keyFramesDecoded') + num('keyFramesEncoded')
              ? `key ${num('keyFramesDecoded') + num('keyFramesEncoded')}`
              : '',
          ]
            .filter(Boolean)
            .join(', '),
        });
      });
    }
    return out;
  });
}

/**
 * Starts, inside the page, a watch for the first remote video frame the page shows: each video
 * element that draws a track of the page's receivers reports its first frame (`loadeddata`, or
 * `requestVideoFrameCallback` if sooner). No getStats() polling: it would load the very page it
 * measures.
 */
async function watchFirstFrame(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as {
      __cascadePeerConnections?: RTCPeerConnection[];
      __firstFrameAt?: number;
    };
    delete w.__firstFrameAt;
    const watched = new WeakSet<HTMLVideoElement>();
    const seen = () => {
      w.__firstFrameAt ??= performance.now();
    };
    const tick = () => {
      if (w.__firstFrameAt !== undefined) return;
      const remote = new Set(
        (w.__cascadePeerConnections ?? []).flatMap((pc) =>
          pc.connectionState === 'closed'
            ? []
            : pc
                .getReceivers()
                .filter((r) => r.track.kind === 'video')
                .map((r) => r.track.id),
        ),
      );
      for (const video of document.querySelectorAll('video')) {
        if (watched.has(video) || !(video.srcObject instanceof MediaStream)) continue;
        if (!video.srcObject.getVideoTracks().some((t) => remote.has(t.id))) continue;
        watched.add(video);
        if (video.readyState >= 2) seen();
        video.addEventListener('loadeddata', seen, { once: true });
        video.requestVideoFrameCallback?.(seen);
      }
      setTimeout(tick, 20);
    };
    tick();
  });
}

/** Opens the call page and waits on the pre-join screen as a person would (the SDK connects). */
async function openPreJoin(page: Page, roomId: string): Promise<void> {
  await page.goto(`/rooms/${roomId}/call`);
  await page.getByRole('button', { name: 'Join now' }).waitFor();
  await page.waitForFunction(
    () => performance.getEntriesByName('cascade:signaling.connect').length > 0,
    undefined,
    { timeout: 30_000 },
  );
}

async function joinAndMeasure(page: Page, expectFrame: boolean): Promise<JoinFigures> {
  await page.evaluate(() => {
    performance.clearMarks();
    performance.clearMeasures();
  });
  if (expectFrame) await watchFirstFrame(page);
  await page.getByRole('button', { name: 'Join now' }).click();
  await page.getByRole('toolbar', { name: 'Call controls' }).waitFor({ timeout: 60_000 });
  await page.waitForFunction(
    () => performance.getEntriesByName('cascade:join:published').length > 0,
    undefined,
    { timeout: 60_000 },
  );
  if (expectFrame)
    await page
      .waitForFunction(() => (window as { __firstFrameAt?: number }).__firstFrameAt, undefined, {
        timeout: 30_000,
      })
      .catch(() => undefined);
  // Let the steps that follow the first frame (other consumers) finish.
  await page.waitForTimeout(300);
  return page.evaluate(() => {
    const at = (name: string) => performance.getEntriesByName(name)[0]?.startTime ?? NaN;
    const start = at('cascade:join:start');
    const first = (window as { __firstFrameAt?: number }).__firstFrameAt;
    const seen = new Set<string>();
    const steps = performance
      .getEntriesByType('measure')
      .filter((m) => m.name.startsWith('cascade:') && !seen.has(m.name) && seen.add(m.name))
      .map((m) => ({
        name: m.name.slice('cascade:'.length),
        endMs: m.startTime + m.duration - start,
        durationMs: m.duration,
      }));
    return {
      joinMs: at('cascade:join:joined') - start,
      publishedMs: at('cascade:join:published') - start,
      firstFrameMs: first === undefined ? null : first - start,
      steps,
    };
  });
}

async function mainThread(
  page: Page,
  seconds: number,
): Promise<{ cpuPercent: number; heapMb: number }> {
  const session = await page.context().newCDPSession(page);
  await session.send('Performance.enable');
  const read = async () => {
    const { metrics } = (await session.send('Performance.getMetrics')) as {
      metrics: Array<{ name: string; value: number }>;
    };
    return Object.fromEntries(metrics.map((m) => [m.name, m.value]));
  };
  const before = await read();
  await page.waitForTimeout(seconds * 1000);
  const after = await read();
  const busy = (after['TaskDuration'] ?? 0) - (before['TaskDuration'] ?? 0);
  const wall = (after['Timestamp'] ?? 0) - (before['Timestamp'] ?? 0);
  return {
    cpuPercent: wall > 0 ? (busy / wall) * 100 : NaN,
    heapMb: (after['JSHeapUsedSize'] ?? 0) / 2 ** 20,
  };
}

/** Video bytes the page's connections received, and how many remote videos it decodes. */
function videoReceived(page: Page): Promise<{ bytes: number; decoding: Record<string, number> }> {
  return page.evaluate(async () => {
    const pcs =
      (window as unknown as { __cascadePeerConnections?: RTCPeerConnection[] })
        .__cascadePeerConnections ?? [];
    let bytes = 0;
    const decoding: Record<string, number> = {};
    for (const pc of pcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach(
        (s: {
          type: string;
          kind?: string;
          bytesReceived?: number;
          framesDecoded?: number;
          id: string;
        }) => {
          if (s.type !== 'inbound-rtp' || s.kind !== 'video') return;
          bytes += s.bytesReceived ?? 0;
          decoding[s.id] = s.framesDecoded ?? 0;
        },
      );
    }
    return { bytes, decoding };
  });
}

const stat = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN,
    max: sorted.at(-1) ?? NaN,
  };
};
const ms = (v: number | null | undefined) =>
  v === null || v === undefined || Number.isNaN(v) ? '—' : Math.round(v).toString();

async function signedInContexts(
  browser: Browser,
  names: string[],
  viewport = DESKTOP,
): Promise<BrowserContext[]> {
  const contexts: BrowserContext[] = [];
  for (const name of names) {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    await recordPeerConnections(page);
    await signIn({ name, context, page });
    await page.close();
    contexts.push(context);
  }
  return contexts;
}

async function newCallPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await recordPeerConnections(page);
  return page;
}

async function api<T>(method: string, url: string, body: unknown, token?: string): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** A bot of the dev tenant (development sign-in), with join tokens for `roomId`. */
async function startBot(
  name: string,
  roomId: string,
  options: { camera: boolean; autoSubscribe: boolean },
): Promise<SdkBot> {
  const session = await api<{ accessToken: string }>('POST', `${IDENTITY}/auth/dev`, {
    tenant: 'dev',
    displayName: name,
  });
  const token = async () =>
    (
      await api<{ token: string }>(
        'POST',
        `${IDENTITY}/join-tokens`,
        { grants: { room: roomId, join: true, publish: true, subscribe: true, admin: false } },
        session.accessToken,
      )
    ).token;
  return SdkBot.start({
    url: GATEWAYS,
    token,
    displayName: name,
    publish: { camera: options.camera, microphone: false },
    media: CROWD_MEDIA,
    autoSubscribe: options.autoSubscribe,
  });
}

const conditions = () => ({
  date: new Date().toISOString(),
  cpus: cpus().length,
  cpu: cpus()[0]?.model,
  memoryGb: Math.round(totalmem() / 2 ** 30),
  browser: 'Debian Chromium, headless, fake camera (1280x720 asked) and a silent fake microphone',
  stack: 'scripts/dev-stack.mjs: two gateways, two sfu-nodes (one worker each), loopback',
});

/** Writes what is measured so far (after each part: a later part that fails loses nothing). */
function write(report: string[], json: Record<string, unknown>): void {
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'web-call.json'), `${JSON.stringify(json, null, 2)}\n`);
  const c = conditions();
  writeFileSync(
    join(OUT, 'web-call.md'),
    [
      '# The call in real browsers: where a join spends its time, N pages, 30 participants',
      '',
      `${c.date}; ${c.cpus} × ${c.cpu}; ${c.memoryGb} GiB.`,
      `${c.browser}; ${c.stack}. Everything shares the same two cores.`,
      '',
      ...report,
    ].join('\n'),
  );
}

/** The crowd's bots send small, slow video: 27 encoders must leave room for the two pages. */
const CROWD_MEDIA = {
  video: { width: 160, height: 120, fps: 5 },
  audio: { frequencyHz: 440, sampleRate: 48_000 },
};

test('the call in real browsers', async () => {
  test.setTimeout(3_600_000);
  const browser: Browser = await launchWithMicrophone(silenceWav());
  const report: string[] = [];
  const json: Record<string, unknown> = { conditions: conditions() };
  try {
    // ── 1. first remote frame with two pages, step by step ──────────────────────────────────
    if (PARTS.has(1)) {
      const [a, b] = await signedInContexts(browser, ['Bench A', 'Bench B']);
      // Side by side, alternating run by run: the join making the transports and consumers in
      // its own round trip (the default), and the SDK asking for each step after the join
      // (`joinMedia` off, the diagnostics switch the call page reads from localStorage).
      const variants = [
        { key: 'joinMedia', label: 'media made with the join (default)', setting: 'on' },
        { key: 'stepByStep', label: 'one request per step (joinMedia off)', setting: 'off' },
      ] as const;
      const runs: Record<(typeof variants)[number]['key'], JoinFigures[]> = {
        joinMedia: [],
        stepByStep: [],
      };
      for (let i = 0; i < REPEAT * variants.length; i++) {
        const variant = variants[i % variants.length]!;
        const setup = await newCallPage(a!);
        const roomId = await createRoom(setup, { title: `First frame ${i} ${Date.now()}` });
        await setup.close();
        const pageA = await newCallPage(a!);
        const pageB = await newCallPage(b!);
        await pageB.addInitScript((value) => {
          window.localStorage.setItem('cascade.joinMedia', value);
        }, variant.setting);
        await openPreJoin(pageA, roomId);
        await joinAndMeasure(pageA, false);
        const consoleB: string[] = [];
        pageB.on('console', (m) => {
          if (m.type() !== 'debug' && consoleB.length < 200)
            consoleB.push(`${m.type()}: ${m.text().slice(0, 400)}`);
        });
        await openPreJoin(pageB, roomId);
        await pageB.waitForTimeout(500); // a person reads the pre-join screen
        const figures = await joinAndMeasure(pageB, true);
        if (figures.firstFrameMs === null)
          figures.noFrame = {
            receiver: await rtpSummary(pageB),
            sender: await rtpSummary(pageA),
            videoElements: await pageB.locator('video').count(),
            console: consoleB,
          };
        runs[variant.key].push(figures);
        await pageB.close();
        await pageA.close();
      }
      await a!.close();
      await b!.close();
      json['firstFrame'] = runs;
      const summary = variants.map(({ key, label }) => {
        const of = runs[key];
        const frames = of.map((r) => r.firstFrameMs).filter((v): v is number => v !== null);
        const join = stat(of.map((r) => r.joinMs));
        const published = stat(of.map((r) => r.publishedMs));
        const frame = stat(frames);
        return {
          key,
          frame,
          row: `| ${label} | ${ms(join.p50)} / ${ms(join.max)} | ${ms(published.p50)} / ${ms(published.max)} | ${ms(frame.p50)} / ${ms(frame.max)} (${frames.length} of ${of.length}) |`,
        };
      });
      const [withJoin, stepByStep] = summary;
      const ratio = withJoin!.frame.p50 / stepByStep!.frame.p50;
      const stepRows = (of: JoinFigures[]) => {
        const names = [...new Set(of.flatMap((r) => r.steps.map((s) => s.name)))];
        return names
          .map((name) => {
            const steps = of.flatMap((r) => r.steps.filter((s) => s.name === name));
            return {
              name,
              end: stat(steps.map((s) => s.endMs)),
              took: stat(steps.map((s) => s.durationMs)),
            };
          })
          .sort((x, y) => x.end.p50 - y.end.p50)
          .map(
            ({ name, end, took }) =>
              `| ${name} | ${ms(end.p50)} | ${ms(took.p50)} / ${ms(took.max)} |`,
          );
      };
      report.push(
        '## 1. First remote frame with two pages',
        '',
        `${REPEAT} runs of each way of joining, alternating, each in a new room: page A joins and publishes, then page B opens the call page, stays 0.5 s on the pre-join screen (the SDK connects meanwhile: join token, socket, handshake, Device), and clicks "Join now". Page B's figures, from the click: \`join()\` resolved, its own camera and microphone published, and the first remote video frame shown (a video element drawing a received track has its first frame: \`loadeddata\` or \`requestVideoFrameCallback\`, watched inside the page without getStats()).`,
        '',
        '| way of joining | join() ms p50 / max | published ms p50 / max | first remote frame ms p50 / max |',
        '| --- | ---: | ---: | ---: |',
        ...summary.map((v) => v.row),
        '',
        `First remote frame, p50 with the join's media over p50 step by step, in this run: ${Number.isFinite(ratio) ? ratio.toFixed(2) : '—'}.`,
        '',
        'Where the time goes: each SDK step (`timing` events, as User Timing measures), when it ended after the click (p50) and how long it took. `transport.connected` is ICE and DTLS; `consumer.firstPacket` runs from the moment the client took the consumer (asking the node to resume it, when it was made paused) to its first packet.',
        '',
        ...variants.flatMap(({ key, label }) => [
          `### ${label}`,
          '',
          '| step | ended at ms (p50) | took ms p50 / max |',
          '| --- | ---: | ---: |',
          ...stepRows(runs[key]),
          '',
        ]),
      );
      write(report, json);
    }

    // ── 2. N pages in one room ────────────────────────────────────────────────────────────────
    if (PARTS.has(2)) {
      const rows: string[] = [];
      const sizes: unknown[] = [];
      for (const n of SIZES) {
        const contexts = await signedInContexts(
          browser,
          Array.from({ length: n }, (_, i) => `Bench ${n}-${i}`),
        );
        const setup = await newCallPage(contexts[0]!);
        const roomId = await createRoom(setup, { title: `Bench ${n} ${Date.now()}` });
        await setup.close();
        const pages = await Promise.all(contexts.map((c) => newCallPage(c)));
        const results: JoinFigures[] = [];
        for (const [i, page] of pages.entries()) {
          await openPreJoin(page, roomId);
          results.push(await joinAndMeasure(page, i > 0));
        }
        await pages[0]!.waitForTimeout(5_000);
        const load = await Promise.all(pages.map((page) => mainThread(page, 10)));
        sizes.push({ pages: n, results, load });
        for (const context of contexts) await context.close();
        const join = stat(results.map((r) => r.joinMs));
        const frames = results.map((r) => r.firstFrameMs).filter((v): v is number => v !== null);
        const first = stat(frames);
        const cpu = stat(load.map((l) => l.cpuPercent));
        const heap = stat(load.map((l) => l.heapMb));
        rows.push(
          `| ${n} | ${ms(join.p50)} / ${ms(join.max)} | ${ms(first.p50)} / ${ms(first.max)} (${frames.length} of ${n - 1}) | ${cpu.p50.toFixed(0)} / ${cpu.max.toFixed(0)} | ${heap.p50.toFixed(1)} / ${heap.max.toFixed(1)} |`,
        );
      }
      json['pages'] = sizes;
      report.push(
        '## 2. N pages in one room',
        '',
        'Pages join one after another; first remote frame for every page but the first (which has nobody to see when it joins). CPU is the main thread over 10 s once everyone is in; heap is the JavaScript heap. Every page runs in the same Chromium on the same two cores as the whole stack: figures grow with N because the machine is shared, not only because the room is bigger.',
        '',
        '| pages | join() ms p50 / max | first remote frame ms p50 / max | main-thread CPU % p50 / max | JS heap MB p50 / max |',
        '| ---: | ---: | ---: | ---: | ---: |',
        ...rows,
        '',
      );
      write(report, json);
    }

    // ── 3. 30 participants: two pages and bots ────────────────────────────────────────────────
    if (PARTS.has(3)) {
      const [desk] = await signedInContexts(browser, ['Crowd desktop']);
      const [phone] = await signedInContexts(browser, ['Crowd phone'], PHONE);
      const setup = await newCallPage(desk!);
      const roomId = await createRoom(setup, {
        title: `Crowd ${Date.now()}`,
        capacity: String(CROWD + 5),
      });
      await setup.close();
      const bots: SdkBot[] = [];
      try {
        const publishers = CROWD - 3; // two pages and one subscriber of everyone
        for (let i = 0; i < publishers; i++) {
          const bot = await startBot(`Bot ${i}`, roomId, { camera: true, autoSubscribe: false });
          bots.push(bot);
          await bot.join();
        }
        const everyone = await startBot('Everyone', roomId, { camera: false, autoSubscribe: true });
        bots.push(everyone);
        await everyone.join();
        const pages = [await newCallPage(desk!), await newCallPage(phone!)];
        const figures: JoinFigures[] = [];
        for (const page of pages) {
          await openPreJoin(page, roomId);
          figures.push(await joinAndMeasure(page, true));
        }
        await pages[0]!.waitForTimeout(5_000);
        const windowS = 10;
        const before = await Promise.all(pages.map(videoReceived));
        const botBefore = await everyone.stats();
        const load = await Promise.all(pages.map((page) => mainThread(page, windowS)));
        const after = await Promise.all(pages.map(videoReceived));
        const botAfter = await everyone.stats();
        // A page whose connection was restored during the window starts its counters again: no rate.
        const kbps = (a: number, b: number) => (b < a ? NaN : ((b - a) * 8) / windowS / 1000);
        const decodingNow = (i: number) =>
          Object.entries(after[i]!.decoding).filter(([id, n]) => n > (before[i]!.decoding[id] ?? 0))
            .length;
        const botBytes = (s: typeof botBefore) =>
          s.remote.filter((t) => t.kind === 'video').reduce((sum, t) => sum + t.bytesReceived, 0);
        const botVideos = botAfter.remote.filter((t) => t.kind === 'video').length;
        const rows = [
          ['desktop page (1280 px, grid of 25 per page)', 0],
          ['phone page (375 px, grid of 4 per page)', 1],
        ].map(
          ([label, i]) =>
            `| ${label} | ${decodingNow(i as number)} | ${ms(kbps(before[i as number]!.bytes, after[i as number]!.bytes))} | ${ms(figures[i as number]!.joinMs)} | ${ms(figures[i as number]!.firstFrameMs)} | ${load[i as number]!.cpuPercent.toFixed(0)} | ${load[i as number]!.heapMb.toFixed(1)} |`,
        );
        rows.push(
          `| SDK bot subscribed to everyone (autoSubscribe) | ${botVideos} | ${ms(kbps(botBytes(botBefore), botBytes(botAfter)))} | — | — | — | — |`,
        );
        json['crowd'] = { participants: CROWD, figures, load, before, after, botBefore, botAfter };
        report.push(
          `## 3. ${CROWD} participants: paged grid against everyone subscribed`,
          '',
          `${publishers} SDK bots (Node, @roamhq/wrtc) publish a synthetic 160x120 camera at 5 fps each (small, so that 27 encoders leave the two pages some of the two cores); one more bot subscribes to everything; then a desktop page and a phone page join through the app. Video received over ${windowS} s once everyone is in.`,
          '',
          '| receiver | videos decoding | video kbit/s received | join() ms | first remote frame ms | main-thread CPU % | JS heap MB |',
          '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
          ...rows,
          '',
        );
        write(report, json);
        for (const page of pages) await page.close();
      } finally {
        await Promise.all(bots.map((bot) => bot.stop().catch(() => undefined)));
        await desk!.close();
        await phone!.close();
      }
    }
  } finally {
    await browser.close();
  }
});
