import { CascadeError } from '@cascade/contracts';
import { type BotRoom, type ReceivedTrack, SdkBot, eventually } from '@cascade/testing';

import type { DrillStack } from './stack';

/** Small, to keep the encoders and decoders of a call within two cores. */
export const MEDIA = {
  video: { width: 160, height: 120, fps: 10 },
  audio: { frequencyHz: 440, sampleRate: 48_000 },
};

export interface Member {
  name: string;
  bot: SdkBot;
  room: BotRoom;
  /** Every participant id it had (a rejoin may give it another). */
  participantIds: Set<string>;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts a bot (the SDK on @roamhq/wrtc in its own process) on the gateways in `urls` order
 * (a reconnection moves on to the next), with the SDK's default reconnection and timeouts.
 */
export async function startBot(
  stack: DrillStack,
  roomId: string,
  name: string,
  urls: string[],
  publish = true,
): Promise<SdkBot> {
  return SdkBot.start({
    url: urls,
    token: () => stack.joinToken({ user: `u_${name}`, room: roomId, name }),
    displayName: name,
    name,
    publish: { camera: publish, microphone: publish },
    media: MEDIA,
  });
}

export async function joinMember(bot: SdkBot): Promise<Member> {
  const room = await bot.join();
  return { name: bot.name, bot, room, participantIds: new Set([room.participantId]) };
}

/** Refreshes each member's participant ids (after a rejoin). */
export async function refreshIds(members: Member[]): Promise<void> {
  for (const m of members) {
    const { participantId } = await m.bot.state();
    if (participantId) m.participantIds.add(participantId);
  }
}

/** The live video track `receiver` decodes from `sender`, if any (the newest consumer). */
export function videoFrom(
  received: Record<string, ReceivedTrack>,
  sender: Member,
): ReceivedTrack | undefined {
  return Object.values(received)
    .filter((t) => t.kind === 'video' && t.active && sender.participantIds.has(t.participantId))
    .sort((a, b) => b.consumerFirstAt - a.consumerFirstAt)[0];
}

/** Total video frames and audio samples `receiver` decoded from `sender` so far. */
export function decodedFrom(
  received: Record<string, ReceivedTrack>,
  sender: Member,
): { frames: number; samples: number } {
  let frames = 0;
  let samples = 0;
  for (const t of Object.values(received)) {
    if (!sender.participantIds.has(t.participantId)) continue;
    frames += t.decodedFrames;
    samples += t.samples;
  }
  return { frames, samples };
}

/**
 * Until every member decodes at least `minimum` more video frames and audio samples from every
 * other member than when it was called (bounded).
 */
export async function allDecode(
  what: string,
  members: Member[],
  { frames = 10, samples = 24_000, timeoutMs = 30_000 } = {},
): Promise<void> {
  const snapshot = () => Promise.all(members.map((m) => m.bot.received()));
  const before = await snapshot();
  await eventually(
    `${what}: every member decodes the camera and microphone of every other`,
    async () => {
      await refreshIds(members);
      const now = await snapshot();
      const missing: string[] = [];
      members.forEach((receiver, i) => {
        for (const sender of members) {
          if (sender === receiver) continue;
          const a = decodedFrom(before[i]!, sender);
          const b = decodedFrom(now[i]!, sender);
          if (b.frames - a.frames < frames || b.samples - a.samples < samples)
            missing.push(`${receiver.name}<-${sender.name}`);
        }
      });
      return missing;
    },
    (missing) => missing.length === 0,
    { timeoutMs, intervalMs: 500 },
  );
}

/** What a request during an outage got: an answer, a typed error, or nothing within the bound. */
export interface Outcome {
  what: string;
  /** `ok`, an error code (`NODE_UNAVAILABLE`, `TIMEOUT`…), or `untyped: <message>`. */
  result: string;
  ms: number;
}

/** Runs `fn` and says how it ended and how long it took (never throws). */
export async function outcome(what: string, fn: () => Promise<unknown>): Promise<Outcome> {
  const started = Date.now();
  try {
    await fn();
    return { what, result: 'ok', ms: Date.now() - started };
  } catch (error) {
    const result =
      error instanceof CascadeError
        ? error.code
        : typeof (error as { code?: unknown }).code === 'string'
          ? String((error as { code: string }).code)
          : `untyped: ${String((error as Error).message).split('\n')[0]}`;
    return { what, result, ms: Date.now() - started };
  }
}

export async function stopAll(bots: SdkBot[]): Promise<void> {
  await Promise.all(bots.map((b) => b.stop().catch(() => undefined)));
}
