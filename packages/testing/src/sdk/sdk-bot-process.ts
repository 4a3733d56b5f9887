/**
 * The inside of a {@link SdkBot}: the Cascade client SDK on libwebrtc (@roamhq/wrtc, handler
 * `Chrome111`) in a Node process of its own, with a synthetic camera and microphone and a
 * decoding sink on every track it receives, driven by the test process over IPC.
 *
 * Started by `sdk-bot.ts` as `node run-ts.js sdk-bot-process.ts` (or as built JavaScript).
 */
import './workspace-sources'; // first: resolves the workspace packages to their sources

import {
  CascadeClient,
  type CascadeClientEvents,
  type CascadeLogger,
  installWebRtcGlobals,
  type LocalTrackInfo,
  type RoomState,
} from '@cascade/client';
import { CascadeError, type MediaSource } from '@cascade/contracts';
import * as wrtc from '@roamhq/wrtc';

import { type Channel, type Handlers, IpcRpc } from '../browser/rpc';
import {
  type BotEvent,
  type BotHostMethods,
  type BotInit,
  type BotMethods,
  type BotRoom,
  type BotSource,
  CASCADE_ERROR,
  type ReceivedTrack,
} from './bot-protocol';
import {
  decodingSink,
  type SyntheticSource,
  syntheticCamera,
  syntheticMicrophone,
} from './synthetic-media';

installWebRtcGlobals(wrtc);

let init: BotInit | undefined;
let client: CascadeClient | undefined;
const events: BotEvent[] = [];
const received: Record<string, ReceivedTrack> = {};
const sinks = new Map<string, { stop(): void }>();
const sources = new Map<BotSource, SyntheticSource>();

function started(): { client: CascadeClient; init: BotInit } {
  if (!client || !init) throw new Error('the bot was not initialised');
  return { client, init };
}

function logger(name: string, debug: boolean): CascadeLogger {
  const write =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      process.stderr.write(
        `[${name}] ${level} ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`,
      );
    };
  return {
    debug: debug ? write('debug') : () => undefined,
    info: debug ? write('info') : () => undefined,
    warn: write('warn'),
    error: write('error'),
  };
}

/** The payload of an event as it crosses IPC: no track, errors as plain objects. */
function plain(type: keyof CascadeClientEvents, payload: unknown): BotEvent {
  let value: unknown = payload;
  if (payload instanceof Error) {
    const code = payload instanceof CascadeError ? payload.code : undefined;
    value = { name: payload.name, message: payload.message, ...(code ? { code } : {}) };
  } else if (type === 'connectionQuality') {
    const { local, remote } = payload as CascadeClientEvents['connectionQuality'];
    value = { local, remote: Object.fromEntries(remote) };
  } else if (typeof payload === 'object' && payload !== null && 'track' in payload) {
    const { track: _track, ...rest } = payload as Record<string, unknown>;
    value = rest;
  }
  return { type, payload: value, at: Date.now() } as BotEvent;
}

function record(type: keyof CascadeClientEvents, payload: unknown): void {
  events.push(plain(type, payload));
  if (type === 'trackAdded') {
    const { producerId, consumerId, participantId, kind, source, track } =
      payload as CascadeClientEvents['trackAdded'];
    sinks.get(producerId)?.stop();
    const counted: ReceivedTrack = (received[producerId] ??= {
      participantId,
      kind,
      source,
      consumerId,
      active: true,
      decodedFrames: 0,
      width: 0,
      height: 0,
      samples: 0,
      chunks: 0,
      peak: 0,
      firstAt: 0,
      lastAt: 0,
      consumerFirstAt: 0,
    });
    counted.consumerId = consumerId;
    counted.consumerFirstAt = 0;
    counted.active = true;
    sinks.set(producerId, decodingSink(track, counted));
  } else if (type === 'trackRemoved') {
    const { producerId } = payload as CascadeClientEvents['trackRemoved'];
    sinks.get(producerId)?.stop();
    sinks.delete(producerId);
    const counted = received[producerId];
    if (counted) counted.active = false;
  }
}

function room(state: RoomState | undefined): BotRoom | undefined {
  if (!state) return undefined;
  const { tenantId, roomId, participantId, userId, displayName, participants, producers } = state;
  return {
    tenantId,
    roomId,
    participantId,
    userId,
    displayName,
    role: state.role,
    participants,
    viewers: state.viewers,
    producers,
    tracks: state.tracks.map(({ track: _track, ...info }) => info),
    local: state.local.map(({ track: _track, ...info }) => info),
  };
}

function synthetic(source: BotSource, media: BotInit['media']): SyntheticSource {
  return source === 'camera' ? syntheticCamera(media.video) : syntheticMicrophone(media.audio);
}

async function publish(source: BotSource): Promise<string | undefined> {
  const { client: c, init: i } = started();
  let media = sources.get(source);
  if (!media) {
    media = synthetic(source, i.media);
    sources.set(source, media);
  }
  const track = media.track as unknown as Parameters<CascadeClient['publish']>[1];
  // @roamhq/wrtc's tracks report a made-up size: the synthetic camera's is told instead (it
  // decides how many simulcast layers libwebrtc sends).
  const { width, height } = i.media.video;
  const published =
    source === 'camera'
      ? await c.publishCamera(track, { size: { width, height } })
      : await c.publishMicrophone(track);
  return published.producerId;
}

/** Switches a published source to a fresh synthetic track, as a device switch would. */
async function replaceTrack(source: BotSource): Promise<LocalTrackInfo> {
  const { client: c, init: i } = started();
  const fresh = synthetic(source, i.media);
  try {
    const { track: _track, ...info } = await c.replaceTrack(
      source,
      fresh.track as unknown as Parameters<CascadeClient['replaceTrack']>[1],
    );
    sources.get(source)?.stop(); // the application's track: the SDK leaves it running
    sources.set(source, fresh);
    return info;
  } catch (error) {
    fresh.stop();
    throw error;
  }
}

function stopMedia(): void {
  for (const sink of sinks.values()) sink.stop();
  sinks.clear();
  for (const source of sources.values()) source.stop();
  sources.clear();
}

const bot: Handlers<BotMethods> = {
  init(options) {
    if (client) throw new Error('the bot is initialised already');
    init = options;
    client = new CascadeClient({
      url: options.url,
      token: options.token ?? (() => host.request('token', undefined)),
      handlerName: 'Chrome111',
      logger: logger(options.name, options.debug ?? false),
      ...(options.displayName === undefined ? {} : { displayName: options.displayName }),
      ...(options.autoSubscribe === undefined ? {} : { autoSubscribe: options.autoSubscribe }),
      ...(options.resume === undefined ? {} : { resume: options.resume }),
      ...(options.reconnect === undefined ? {} : { reconnect: options.reconnect }),
      ...(options.requestTimeoutMs === undefined
        ? {}
        : { requestTimeoutMs: options.requestTimeoutMs }),
      ...(options.iceTransportPolicy === undefined
        ? {}
        : { iceTransportPolicy: options.iceTransportPolicy }),
    });
    client.onAny(record);
  },
  async join() {
    const { client: c, init: i } = started();
    await c.join();
    if (i.publish.camera) await publish('camera');
    if (i.publish.microphone) await publish('microphone');
    return room(c.room) as BotRoom;
  },
  async publish({ source }) {
    return { producerId: await publish(source) };
  },
  replaceTrack: ({ source }) => replaceTrack(source),
  stats: () => started().client.getStats(),
  startQualityMonitor: ({ intervalMs }) => started().client.startQualityMonitor(intervalMs),
  received: () => received,
  events: () => events,
  state() {
    const c = client;
    return {
      connectionState: c?.connectionState ?? 'disconnected',
      url: c?.url,
      participantId: c?.participantId,
      room: room(c?.room),
    };
  },
  dropSocket() {
    started().client.dropConnection();
  },
  chat: ({ text }) => started().client.sendChat(text),
  mute: ({ source }: { source: MediaSource }) => started().client.mute(source),
  unmute: ({ source }: { source: MediaSource }) => started().client.unmute(source),
  setPreferredLayers: ({ id, spatial, temporal }) =>
    started().client.setPreferredLayers(id, spatial, temporal),
  setView: (view) => started().client.setView(view),
  request: ({ method, payload }) => started().client.request(method, payload as never),
  async leave() {
    await client?.leave();
    stopMedia();
  },
  async reset() {
    await client?.leave();
    stopMedia();
    client = undefined;
    init = undefined;
    events.length = 0;
    for (const producerId of Object.keys(received)) delete received[producerId];
  },
  exit() {
    stopMedia();
    // Leave through process.exit(): @roamhq/wrtc 0.10 crashes (SIGSEGV) in Node's environment
    // teardown on a natural exit once an RTCVideoSource or RTCAudioSource has existed.
    setTimeout(() => process.exit(0), 10);
  },
};

/**
 * A CascadeError crosses IPC as its envelope (a result, since the RPC carries errors as text),
 * so that the test process can rethrow it with its code.
 */
function keepingCascadeErrors(handlers: Handlers<BotMethods>): Handlers<BotMethods> {
  const wrapped: Record<string, (params: unknown) => Promise<unknown>> = {};
  for (const [method, handler] of Object.entries(handlers)) {
    wrapped[method] = async (params) => {
      try {
        return await (handler as (p: unknown) => unknown)(params);
      } catch (error) {
        if (error instanceof CascadeError) return { [CASCADE_ERROR]: error.toEnvelope() };
        throw error;
      }
    };
  }
  return wrapped as unknown as Handlers<BotMethods>;
}

const host = new IpcRpc<BotHostMethods, BotMethods>(
  process as unknown as Channel,
  keepingCascadeErrors(bot),
  30_000,
);

process.on('disconnect', () => process.exit(0)); // the test process went away
void host.request('ready', undefined);
