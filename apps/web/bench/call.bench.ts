import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

import { type Browser, type Page, test } from '@playwright/test';

import { createRoom, signIn } from '../e2e/support/app';
import {
  decodedFrames,
  launchWithMicrophone,
  recordPeerConnections,
  silenceWav,
} from '../e2e/support/media';

/**
 * Join time and first remote frame with N real Chromium pages in one room on this machine
 * (loopback, both gateways, both sfu-nodes), and each page's main-thread CPU and JS heap once
 * everyone is in. Results with the conditions go to bench-results/web-call.{md,json}.
 * Measured inside the pages (User Timing marks the app sets, and the pages' own getStats()).
 */
const SIZES = (process.env['CASCADE_BENCH_PAGES'] ?? '2,3,4').split(',').map(Number);
const OUT = join(import.meta.dirname, '..', '..', '..', 'bench-results');

interface PageResult {
  joinMs: number;
  publishedMs: number;
  firstFrameMs: number | null;
}

async function joinAndMeasure(page: Page, roomId: string): Promise<PageResult> {
  await page.goto(`/rooms/${roomId}/call`);
  await page.getByRole('button', { name: 'Join now' }).waitFor();
  await page.evaluate(() => performance.clearMarks());
  await page.getByRole('button', { name: 'Join now' }).click();
  await page.getByRole('toolbar', { name: 'Call controls' }).waitFor({ timeout: 60_000 });
  const marks = await page.evaluate(() => {
    const at = (name: string) => performance.getEntriesByName(name)[0]?.startTime ?? NaN;
    return {
      start: at('cascade:join:start'),
      joined: at('cascade:join:joined'),
      published: at('cascade:join:published'),
    };
  });
  // First remote video frame decoded, timed in the page.
  let firstFrameAt: number | null = null;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const frames = await decodedFrames(page);
    if (Object.values(frames).some((n) => n > 0)) {
      firstFrameAt = await page.evaluate(() => performance.now());
      break;
    }
    await page.waitForTimeout(50);
  }
  return {
    joinMs: marks.joined - marks.start,
    publishedMs: marks.published - marks.start,
    firstFrameMs: firstFrameAt === null ? null : firstFrameAt - marks.start,
  };
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

const stat = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN, max: sorted.at(-1) ?? NaN };
};

test('join time, first remote frame, CPU and memory with N pages', async () => {
  const browser: Browser = await launchWithMicrophone(silenceWav());
  const runs: Array<{
    pages: number;
    results: PageResult[];
    load: Array<{ cpuPercent: number; heapMb: number }>;
  }> = [];
  try {
    for (const n of SIZES) {
      const contexts = await Promise.all(
        Array.from({ length: n }, () =>
          browser.newContext({ viewport: { width: 1280, height: 800 } }),
        ),
      );
      const pages = await Promise.all(contexts.map((c) => c.newPage()));
      for (const page of pages) await recordPeerConnections(page);
      for (const [i, page] of pages.entries())
        await signIn({ name: `Bench ${n}-${i}`, context: contexts[i]!, page });
      const roomId = await createRoom(pages[0]!, {
        title: `Bench ${n} ${Date.now().toString(36)}`,
      });
      const results: PageResult[] = [];
      for (const page of pages) results.push(await joinAndMeasure(page, roomId));
      await pages[0]!.waitForTimeout(5_000);
      const load = await Promise.all(pages.map((page) => mainThread(page, 10)));
      runs.push({ pages: n, results, load });
      for (const context of contexts) await context.close();
    }
  } finally {
    await browser.close();
  }

  mkdirSync(OUT, { recursive: true });
  const conditions = {
    date: new Date().toISOString(),
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    browser: 'Debian Chromium, headless, fake camera (1280x720 asked) and a silent fake microphone',
    stack: 'scripts/dev-stack.mjs: two gateways, two sfu-nodes (one worker each), loopback',
  };
  writeFileSync(join(OUT, 'web-call.json'), `${JSON.stringify({ conditions, runs }, null, 2)}\n`);
  const ms = (v: number | null) => (v === null || Number.isNaN(v) ? '—' : Math.round(v).toString());
  const rows = runs.map(({ pages, results, load }) => {
    const join = stat(results.map((r) => r.joinMs));
    const published = stat(results.map((r) => r.publishedMs));
    const frames = results.map((r) => r.firstFrameMs).filter((v): v is number => v !== null);
    const first = stat(frames);
    const cpu = stat(load.map((l) => l.cpuPercent));
    const heap = stat(load.map((l) => l.heapMb));
    return `| ${pages} | ${ms(join.p50)} / ${ms(join.max)} | ${ms(published.p50)} / ${ms(published.max)} | ${ms(first.p50)} / ${ms(first.max)} (${frames.length} of ${pages}) | ${cpu.p50.toFixed(0)} / ${cpu.max.toFixed(0)} | ${heap.p50.toFixed(1)} / ${heap.max.toFixed(1)} |`;
  });
  writeFileSync(
    join(OUT, 'web-call.md'),
    [
      '# The call in real browsers: join time, first remote frame, CPU and memory',
      '',
      `${conditions.date}; ${conditions.cpus} × ${conditions.cpu}; ${conditions.memoryGb} GiB.`,
      `${conditions.browser}; ${conditions.stack}. Every page runs in the same Chromium on the same two cores as the whole stack: figures grow with N because the machine is shared, not only because the room is bigger.`,
      '',
      'Pages join one after another. From clicking "Join now": `join()` resolved (the room joined: socket, placement, router capabilities), camera and microphone published, and the first remote video frame decoded (the page\'s own getStats(); the first page has nobody to see until the second arrives, so its figure includes that wait). CPU is the page\'s main thread over 10 s once everyone is in; heap is its JavaScript heap.',
      '',
      '| pages | join() ms p50 / max | published ms p50 / max | first remote frame ms p50 / max | main-thread CPU % p50 / max | JS heap MB p50 / max |',
      '| ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows,
      '',
    ].join('\n'),
  );
});
