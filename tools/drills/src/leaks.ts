import { CascadeError, type RoomView } from '@cascade/contracts';
import { scrapeMetric } from '@cascade/testing';
import { Redis } from 'ioredis';

import type { DrillStack } from './stack';

export type NodeName = 'sfu-node-1' | 'sfu-node-2';
export const NODES: NodeName[] = ['sfu-node-1', 'sfu-node-2'];

/** Non-zero counts of mediasoup objects, as `kind/transport` (`router`, `rtp_observer` bare). */
export type Objects = Record<string, number>;

/**
 * What a node's mediasoup workers hold now: its `sfu_mediasoup_objects` metric, which the node
 * takes from the workers' own dumps (not from its bookkeeping, which a leak could share).
 */
export async function mediasoupObjects(stack: DrillStack, node: NodeName): Promise<Objects> {
  const samples = await scrapeMetric(`${stack.process(node).url}/metrics`, 'sfu_mediasoup_objects');
  return Object.fromEntries(
    samples
      .filter((s) => s.value > 0)
      .map((s) => [[s.labels['kind'], s.labels['transport']].filter(Boolean).join('/'), s.value]),
  );
}

/**
 * What a node must hold for a room with `here` participants on it and `there` on the other
 * node, each publishing a camera and a microphone and consuming everyone else's (the SDK's
 * defaults), one worker per node: the room's router and its two audio observers (active speaker,
 * levels); per participant a send and a receive WebRTC transport, two producers and a consumer
 * of each other participant's two; with participants on both nodes, the room's pipe transport to
 * the other node, a pipe consumer of each local producer (sent there) and a piped-in producer of
 * each remote one. Nothing at all for a room with nobody here (its router closed after
 * `SFU_ROOM_LINGER_MS`).
 */
export function neededObjects(here: number, there: number): Objects {
  if (here === 0) return {};
  const others = here + there - 1;
  const needed: Objects = {
    router: 1,
    rtp_observer: 2,
    'transport/webrtc': 2 * here,
    'producer/webrtc': 2 * here,
  };
  if (others > 0) needed['consumer/webrtc'] = 2 * here * others;
  if (there > 0) {
    needed['transport/pipe'] = 1;
    needed['producer/pipe'] = 2 * there;
    needed['consumer/pipe'] = 2 * here;
  }
  return needed;
}

/** `node: kind held ≠ needed` for every count that differs. */
export function objectDiff(node: string, held: Objects, needed: Objects): string[] {
  const keys = [...new Set([...Object.keys(held), ...Object.keys(needed)])].sort();
  return keys
    .filter((k) => (held[k] ?? 0) !== (needed[k] ?? 0))
    .map((k) => `${node}: ${k} ${held[k] ?? 0} held, ${needed[k] ?? 0} needed`);
}

/** The room as the orchestrator stores it, or undefined once it forgot it (nobody left). */
export async function roomViewOrNone(
  stack: DrillStack,
  roomId: string,
): Promise<RoomView | undefined> {
  try {
    return await stack.roomView(roomId);
  } catch (error) {
    if (error instanceof CascadeError && error.code === 'NOT_FOUND') return undefined;
    throw error;
  }
}

/**
 * Every Redis key (of the drills' prefix) whose name or content mentions one of `needles`, as
 * `key: needle`: the services' whole state in Redis (the gateway's sessions, rosters, resume
 * tokens and instance sets; the orchestrator's room documents and indexes...), read straight
 * from the server.
 */
export async function redisMentions(stack: DrillStack, needles: string[]): Promise<string[]> {
  if (needles.length === 0) return [];
  const redis = new Redis(stack.data.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', 'drills:*', 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        const text = `${key}\n${await contentOf(redis, key)}`;
        for (const needle of needles) if (text.includes(needle)) found.push(`${key}: ${needle}`);
      }
    } while (cursor !== '0');
    return found;
  } finally {
    redis.disconnect();
  }
}

async function contentOf(redis: Redis, key: string): Promise<string> {
  switch (await redis.type(key)) {
    case 'string':
      return (await redis.get(key)) ?? '';
    case 'hash':
      return JSON.stringify(await redis.hgetall(key));
    case 'set':
      return (await redis.smembers(key)).join('\n');
    case 'zset':
      return (await redis.zrange(key, 0, -1)).join('\n');
    case 'list':
      return (await redis.lrange(key, 0, -1)).join('\n');
    case 'stream':
      return JSON.stringify(await redis.xrange(key, '-', '+'));
    default:
      return ''; // gone meanwhile
  }
}

/** The room's participants present according to the rooms service (its presence, over HTTP). */
export async function presentParticipants(stack: DrillStack, roomId: string): Promise<string[]> {
  const res = await stack.process('rooms').fetch(`/rooms/${roomId}/participants`, {
    headers: { authorization: `Bearer ${stack.accessToken('u_owner')}` },
  });
  if (!res.ok) throw new Error(`presence: HTTP ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { participants: Array<{ participantId: string }> };
  return body.participants.map((p) => p.participantId).sort();
}
