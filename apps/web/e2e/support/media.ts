import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type SfuRoomDump, createSubjects } from '@cascade/contracts';
import { OrchestratorClient, SfuNodeClient } from '@cascade/sfu-client';
import { type Browser, type Page, chromium, expect } from '@playwright/test';
import { connect } from '@nats-io/transport-node';

import { CHROMIUM_ARGS, CHROMIUM_PATH, E2E_HTTP_PORT_BASE } from './stack-config';

const DIR = join(tmpdir(), 'cascade-e2e-media');

/** A WAV of someone talking, made with espeak-ng (Chromium loops it as the microphone). */
export function speechWav(): string {
  mkdirSync(DIR, { recursive: true });
  const file = join(DIR, 'speech.wav');
  if (!existsSync(file)) {
    const text = 'Hello everyone, this is the weekly stand up. '.repeat(6);
    execFileSync('espeak-ng', ['-s', '150', '-w', file, text]);
  }
  return file;
}

/** Ten seconds of silence: a microphone that never speaks (the default fake one beeps). */
export function silenceWav(): string {
  mkdirSync(DIR, { recursive: true });
  const file = join(DIR, 'silence.wav');
  if (!existsSync(file)) {
    const rate = 16_000;
    const samples = rate * 10;
    const header = Buffer.alloc(44);
    header.write('RIFF', 0);
    header.writeUInt32LE(36 + samples * 2, 4);
    header.write('WAVE', 8);
    header.write('fmt ', 12);
    header.writeUInt32LE(16, 16);
    header.writeUInt16LE(1, 20); // PCM
    header.writeUInt16LE(1, 22); // mono
    header.writeUInt32LE(rate, 24);
    header.writeUInt32LE(rate * 2, 28);
    header.writeUInt16LE(2, 32);
    header.writeUInt16LE(16, 34);
    header.write('data', 36);
    header.writeUInt32LE(samples * 2, 40);
    writeFileSync(file, Buffer.concat([header, Buffer.alloc(samples * 2)]));
  }
  return file;
}

/** A Chromium whose fake microphone plays `wav`; screen share picks the entire screen. */
export function launchWithMicrophone(wav: string): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      ...CHROMIUM_ARGS,
      `--use-file-for-fake-audio-capture=${wav}`,
      '--auto-select-desktop-capture-source=Entire screen',
    ],
  });
}

/**
 * Keeps every RTCPeerConnection a page makes, so that the test reads the page's own WebRTC
 * statistics (what it really decodes), not only what the DOM shows.
 */
export async function recordPeerConnections(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const Original = window.RTCPeerConnection;
    const all: RTCPeerConnection[] = [];
    (
      window as unknown as { __cascadePeerConnections: RTCPeerConnection[] }
    ).__cascadePeerConnections = all;
    window.RTCPeerConnection = class extends Original {
      constructor(config?: RTCConfiguration) {
        super(config);
        all.push(this);
      }
    } as typeof RTCPeerConnection;
  });
}

/** Frames decoded so far by each incoming video stream of the page, by track identifier. */
export function decodedFrames(page: Page): Promise<Record<string, number>> {
  return page.evaluate(async () => {
    const pcs =
      (window as unknown as { __cascadePeerConnections?: RTCPeerConnection[] })
        .__cascadePeerConnections ?? [];
    const frames: Record<string, number> = {};
    for (const pc of pcs) {
      if (pc.connectionState === 'closed') continue;
      const report = await pc.getStats();
      report.forEach(
        (s: {
          type: string;
          kind?: string;
          framesDecoded?: number;
          trackIdentifier?: string;
          id: string;
        }) => {
          if (s.type === 'inbound-rtp' && s.kind === 'video')
            frames[s.trackIdentifier ?? s.id] = s.framesDecoded ?? 0;
        },
      );
    }
    return frames;
  });
}

/**
 * Waits until the page decodes at least `count` remote videos whose frame counts grow. When it
 * does not, the error says what the page had: its tiles, its peer connections' states and each
 * incoming video's decoded frames (the first lines of a failure are what CI's summary shows).
 */
export async function expectDecoding(page: Page, count: number, what: string): Promise<void> {
  try {
    await expect
      .poll(
        async () => {
          const before = await decodedFrames(page);
          await page.waitForTimeout(1_500);
          const after = await decodedFrames(page);
          return Object.keys(after).filter((id) => (after[id] ?? 0) > (before[id] ?? 0)).length;
        },
        { message: `${what} decodes ${count} remote videos`, timeout: 60_000, intervals: [500] },
      )
      .toBeGreaterThanOrEqual(count);
  } catch (error) {
    const seen = await describeMedia(page).catch((e: unknown) => `(unreadable: ${String(e)})`);
    throw new Error(`${what} did not decode ${count} remote videos within 60 s; ${seen}`, {
      cause: error,
    });
  }
}

/** One line on the page's media: tiles, peer connection states, frames decoded per video. */
async function describeMedia(page: Page): Promise<string> {
  const tiles = await page
    .getByRole('figure')
    .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? '?'));
  const connections = await page.evaluate(() =>
    (
      (window as unknown as { __cascadePeerConnections?: RTCPeerConnection[] })
        .__cascadePeerConnections ?? []
    ).map((pc) => `${pc.connectionState}/${pc.iceConnectionState}`),
  );
  const frames = await decodedFrames(page);
  return (
    `tiles [${tiles.join(', ')}], peer connections [${connections.join(', ')}], ` +
    `frames decoded per incoming video ${JSON.stringify(Object.values(frames))}`
  );
}

/** The sfu-nodes that hold the room's participants, from the orchestrator (cascade-admin). */
export function nodesOfRoom(tenantId: string, roomId: string): string[] {
  const root = join(import.meta.dirname, '..', '..', '..', '..');
  const out = execFileSync(
    process.execPath,
    [
      join(root, 'services/sfu-orchestrator/dist/cli/cascade-admin.js'),
      'room',
      tenantId,
      roomId,
      '--json',
    ],
    {
      env: {
        ...process.env,
        NATS_URL: process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222',
        NATS_SUBJECT_PREFIX: process.env['CASCADE_E2E_NATS_PREFIX'] ?? 'cascade',
      },
      encoding: 'utf8',
    },
  );
  const nodes = new Set<string>();
  for (const match of out.matchAll(/"nodeId"\s*:\s*"([^"]+)"/g)) nodes.add(match[1]!);
  return [...nodes];
}

/** The pid of the process serving HTTP on the stack's port `base + offset`. */
export function pidOnPort(offset: number): number {
  const port = E2E_HTTP_PORT_BASE + offset;
  const out = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
  const pid = /pid=(\d+)/.exec(out)?.[1];
  if (!pid) throw new Error(`nothing listens on port ${port}: ${out}`);
  return Number(pid);
}

/**
 * The room as its SFU nodes have it (each node's room dump, put together): every participant
 * with its producers and its consumers (paused by the view, the preferred layer the view set),
 * and who published each producer.
 */
export async function roomOnNodes(
  tenantId: string,
  roomId: string,
): Promise<{ participants: SfuRoomDump['participants']; publisherOf: Map<string, string> }> {
  // As the orchestrator's NATS user (the stack gives each service its own): its inbox only.
  const nc = await connect({
    servers: process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222',
    ...(process.env['NATS_USER']
      ? {
          user: process.env['NATS_USER'],
          pass: process.env['NATS_PASSWORD'] ?? '',
          inboxPrefix: `_INBOX.${process.env['NATS_USER']}`,
        }
      : {}),
  });
  try {
    const subjects = createSubjects(process.env['CASCADE_E2E_NATS_PREFIX'] ?? 'cascade');
    const room = await new OrchestratorClient(nc, subjects, { timeoutMs: 5_000 }).admin({
      op: 'room.get',
      tenantId,
      roomId,
    });
    const nodes = [...new Set(room.participants.map((p) => p.nodeId))];
    const dumps = await Promise.all(
      nodes.map((nodeId) =>
        new SfuNodeClient(nc, subjects, nodeId, { timeoutMs: 5_000 }).request('room.dump', {
          tenantId,
          roomId,
        }),
      ),
    );
    return {
      participants: dumps.flatMap((d) => d.participants),
      publisherOf: new Map(
        dumps.flatMap((d) => d.producers.map((p) => [p.producerId, p.participantId])),
      ),
    };
  } finally {
    await nc.close();
  }
}

/**
 * What a call page draws: its own participant id, and for every other participant on screen
 * the size of its largest tile (CSS pixels).
 */
export function drawnTiles(
  page: Page,
): Promise<{ self: string | null; others: Record<string, { width: number; height: number }> }> {
  return page.evaluate(() => {
    let self: string | null = null;
    const others: Record<string, { width: number; height: number }> = {};
    for (const figure of document.querySelectorAll<HTMLElement>('figure[data-participant]')) {
      const id = figure.dataset['participant']!;
      if (
        figure.dataset['kind'] === 'camera' &&
        figure.getAttribute('aria-label')?.endsWith('(you)')
      ) {
        self = id;
        continue;
      }
      const { width, height } = figure.getBoundingClientRect();
      const was = others[id];
      others[id] = {
        width: Math.max(width, was?.width ?? 0),
        height: Math.max(height, was?.height ?? 0),
      };
    }
    return { self, others };
  });
}
