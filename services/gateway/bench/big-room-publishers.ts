import { performance } from 'node:perf_hooks';

import type { SdkBot } from '@cascade/testing';

/** What the real publishers' cameras sent over a window, from their own sender stats. */
export interface PublisherWindow {
  /** All publishers' camera upload together. */
  uploadKbps: number;
  packetsPerSecond: number;
  /** Per simulcast encoding (by RID, or `single`), all publishers together. */
  encodings: Record<string, { kbps: number; packetsPerSecond: number; height: number }>;
  /** Why encoders sent less than asked (`none`, `cpu`, `bandwidth`…), counted over encodings. */
  limitations: Record<string, number>;
}

interface Reading {
  at: number;
  bytes: number;
  packets: number;
  encodings: Map<string, { bytes: number; packets: number; height: number }>;
  limitations: Record<string, number>;
}

async function read(bots: SdkBot[]): Promise<Reading> {
  const stats = await Promise.all(bots.map((b) => b.stats()));
  const cameras = stats.flatMap((s) => s.local).filter((t) => t.source === 'camera');
  const encodings = new Map<string, { bytes: number; packets: number; height: number }>();
  const limitations: Record<string, number> = {};
  for (const camera of cameras) {
    for (const e of camera.encodings) {
      const key = e.rid ?? 'single';
      const sum = encodings.get(key) ?? { bytes: 0, packets: 0, height: 0 };
      encodings.set(key, {
        bytes: sum.bytes + e.bytesSent,
        packets: sum.packets + e.packetsSent,
        height: Math.max(sum.height, e.frameHeight ?? 0),
      });
      const reason = e.qualityLimitationReason ?? 'unknown';
      limitations[reason] = (limitations[reason] ?? 0) + 1;
    }
  }
  return {
    at: performance.now(),
    bytes: cameras.reduce((s, c) => s + c.bytesSent, 0),
    packets: cameras.reduce((s, c) => s + c.packetsSent, 0),
    encodings,
    limitations,
  };
}

/** Reads the publishers now; the returned function reads them again and gives the window. */
export async function startPublisherWindow(
  bots: SdkBot[],
): Promise<() => Promise<PublisherWindow>> {
  const before = await read(bots);
  return async () => {
    const after = await read(bots);
    const seconds = (after.at - before.at) / 1000;
    const encodings: PublisherWindow['encodings'] = {};
    for (const [key, e] of after.encodings) {
      const b = before.encodings.get(key) ?? { bytes: 0, packets: 0 };
      encodings[key] = {
        kbps: ((e.bytes - b.bytes) * 8) / 1000 / seconds,
        packetsPerSecond: (e.packets - b.packets) / seconds,
        height: e.height,
      };
    }
    return {
      uploadKbps: ((after.bytes - before.bytes) * 8) / 1000 / seconds,
      packetsPerSecond: (after.packets - before.packets) / seconds,
      encodings,
      limitations: after.limitations,
    };
  };
}
