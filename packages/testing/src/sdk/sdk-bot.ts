import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import type { BackoffOptions, CallStats, LocalTrackInfo } from '@cascade/client';
import {
  CascadeError,
  type ClientView,
  type ErrorEnvelope,
  type MediaSource,
  type SetViewResult,
  type SignalingMethod,
  type SignalingRequestOf,
  type SignalingResultOf,
} from '@cascade/contracts';

import { stopProcess, tailOutput } from '../browser/processes';
import { type Channel, IpcRpc } from '../browser/rpc';
import {
  type BotConnectionQuality,
  type BotEvent,
  type BotEventOf,
  type BotEventType,
  type BotHostMethods,
  type BotInit,
  type BotMedia,
  type BotMethods,
  type BotRoom,
  type BotSource,
  type BotState,
  CASCADE_ERROR,
  DEFAULT_BOT_MEDIA,
  type ReceivedTrack,
} from './bot-protocol';

export type {
  BotConnectionQuality,
  BotEvent,
  BotEventOf,
  BotEventType,
  BotMedia,
  BotRoom,
  BotSource,
  BotState,
  ReceivedTrack,
};
export { DEFAULT_BOT_MEDIA };

export interface SdkBotOptions {
  /** The gateway, or several (reconnections move on to the next one). */
  url: string | string[];
  /** The join token, or a function the bot asks before each (re)connection. */
  token: string | (() => string | Promise<string>);
  displayName?: string;
  /** What {@link SdkBot.join} publishes (synthetic camera 320x240 VP8-able video, 440 Hz tone). */
  publish?: { camera?: boolean; microphone?: boolean };
  /** The synthetic media ({@link DEFAULT_BOT_MEDIA} by default). */
  media?: BotMedia;
  /** Name in logs and failures (the display name, or `bot`, by default). */
  name?: string;
  /** CascadeClient options passed through. */
  autoSubscribe?: boolean;
  resume?: boolean;
  reconnect?: BackoffOptions;
  requestTimeoutMs?: number;
  iceTransportPolicy?: 'all' | 'relay';
  /** Write the SDK's debug log to the bot's output (shown when a bot fails). */
  debug?: boolean;
  /** How long the process may take to start (ms, default 20000). */
  startTimeoutMs?: number;
}

/**
 * Every bot process still running: killed when the test process exits, however it exits, so
 * that a failing test never leaves one behind. (A bot also exits by itself when its parent's
 * IPC channel closes.)
 */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * A Cascade participant for tests and load: the client SDK (`@cascade/client`) running on
 * @roamhq/wrtc in a Node process of its own, publishing a synthetic camera and microphone and
 * decoding everything it receives.
 *
 * ```ts
 * const bot = await SdkBot.start({ url: [gw1, gw2], token, displayName: 'alice',
 *                                  publish: { camera: true, microphone: true } });
 * const room = await bot.join();                   // joined, published, subscribed to all
 * await bot.waitForEvent('trackAdded', (e) => e.payload.participantId === bobId);
 * const media = await bot.received();             // by remote producer id: frames, samples
 * await bot.dropSocket();                          // the SDK reconnects and resumes by itself
 * await bot.waitForEvent('sessionRestored');
 * await bot.stop();
 * ```
 *
 * Every SDK event is recorded in order ({@link events}); each method is a request to the bot
 * process, bounded by a 30 s timeout. A method the SDK refuses rejects with its
 * {@link CascadeError} (code and all); anything else rejects with the end of the bot's output. The process ends with {@link stop} (or when the test
 * process exits).
 */
export class SdkBot {
  #rpc!: IpcRpc<BotMethods, BotHostMethods>;
  #init!: BotInit;
  readonly #output: () => string;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    this.#output = tailOutput(child, 80);
  }

  /**
   * Starts the bot process and its client (not yet connected: {@link join} does that).
   */
  static async start(options: SdkBotOptions): Promise<SdkBot> {
    const name = options.name ?? options.displayName ?? 'bot';
    const timeoutMs = options.startTimeoutMs ?? 20_000;
    // From sources (tests) the bot is TypeScript run through run-ts.js; built, it is plain JS.
    const compiled = join(__dirname, 'sdk-bot-process.js');
    const [entry, args] = existsSync(compiled)
      ? [compiled, []]
      : [join(__dirname, '../browser/run-ts.js'), [join(__dirname, 'sdk-bot-process.ts')]];
    const child = fork(entry, args, { execArgv: [], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    running.add(child);
    child.once('exit', () => running.delete(child));
    const bot = new SdkBot(name, child);
    const { token } = options;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(bot.#failure(`did not start within ${timeoutMs} ms`)),
          timeoutMs,
        );
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(bot.#failure(`exited at start (${code ?? signal})`));
        });
        bot.#rpc = new IpcRpc<BotMethods, BotHostMethods>(
          child as Channel,
          {
            ready: () => (clearTimeout(timer), resolve()),
            token: async () => (typeof token === 'function' ? token() : token),
          },
          30_000,
        );
      });
      bot.#init = {
        name,
        url: options.url,
        ...(typeof token === 'string' ? { token } : {}),
        ...(options.displayName === undefined ? {} : { displayName: options.displayName }),
        publish: {
          camera: options.publish?.camera ?? false,
          microphone: options.publish?.microphone ?? false,
        },
        media: options.media ?? DEFAULT_BOT_MEDIA,
        ...(options.autoSubscribe === undefined ? {} : { autoSubscribe: options.autoSubscribe }),
        ...(options.resume === undefined ? {} : { resume: options.resume }),
        ...(options.reconnect === undefined ? {} : { reconnect: options.reconnect }),
        ...(options.requestTimeoutMs === undefined
          ? {}
          : { requestTimeoutMs: options.requestTimeoutMs }),
        ...(options.iceTransportPolicy === undefined
          ? {}
          : { iceTransportPolicy: options.iceTransportPolicy }),
        ...(options.debug === undefined ? {} : { debug: options.debug }),
      };
      await bot.#call('init', bot.#init);
    } catch (error) {
      await stopProcess(child);
      throw error;
    }
    child.once('exit', (code, signal) =>
      bot.#rpc.failPending(bot.#failure(`exited (${code ?? signal})`).message),
    );
    return bot;
  }

  /** The bot process's id. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Whether the bot process is still running. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Connects and joins the room, then publishes what `publish` asked for. Resolves with the room
   * once everything already published in it is consumed.
   */
  join(): Promise<BotRoom> {
    return this.#call('join', undefined);
  }

  /** Publishes the synthetic camera or microphone now; resolves with the producer id. */
  async publish(source: BotSource): Promise<string | undefined> {
    return (await this.#call('publish', { source })).producerId;
  }

  /**
   * Switches a published source to a fresh synthetic track (`CascadeClient.replaceTrack`, as a
   * device switch would); the bot stops the old one.
   */
  replaceTrack(source: BotSource): Promise<LocalTrackInfo> {
    return this.#call('replaceTrack', { source });
  }

  /** `CascadeClient.getStats()`: one sample of the bot's media statistics. */
  stats(): Promise<CallStats> {
    return this.#call('stats', undefined);
  }

  /** `CascadeClient.startQualityMonitor`: `connectionQuality` events follow. */
  startQualityMonitor(intervalMs?: number): Promise<void> {
    return this.#call('startQualityMonitor', { intervalMs: intervalMs ?? 2_000 });
  }

  /** What the bot decoded so far, by remote producer id (kept after a track is removed). */
  received(): Promise<Record<string, ReceivedTrack>> {
    return this.#call('received', undefined);
  }

  /** Every SDK event so far, in order (payloads without tracks; errors as name/message/code). */
  events(): Promise<BotEvent[]> {
    return this.#call('events', undefined);
  }

  /** The events of one type so far. */
  async eventsOf<K extends BotEventType>(type: K): Promise<Array<BotEventOf<K>>> {
    return (await this.events()).filter((e): e is BotEventOf<K> => e.type === type);
  }

  /**
   * Resolves with the first event of `type` (recorded at any time, earlier ones included) for
   * which `match` holds; fails after `timeoutMs` with the events seen.
   */
  async waitForEvent<K extends BotEventType>(
    type: K,
    match: (event: BotEventOf<K>) => boolean = () => true,
    timeoutMs = 15_000,
  ): Promise<BotEventOf<K>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const events = await this.eventsOf(type);
      const found = events.find(match);
      if (found) return found;
      if (Date.now() > deadline) {
        throw new Error(
          `${this.name}: no matching ${type} event within ${timeoutMs} ms; ${type} events: ${JSON.stringify(events)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Connection state, gateway, participant id and room, as the bot's client sees them. */
  state(): Promise<BotState> {
    return this.#call('state', undefined);
  }

  /**
   * Simulates a network drop: closes the underlying connection without leaving. The SDK
   * reconnects (to the next URL) and resumes by itself; watch `connectionState` and
   * `sessionRestored` events.
   */
  dropSocket(): Promise<void> {
    return this.#call('dropSocket', undefined);
  }

  chat(text: string): Promise<SignalingResultOf<'chat.send'>> {
    return this.#call('chat', { text });
  }

  mute(source: MediaSource): Promise<void> {
    return this.#call('mute', { source });
  }

  unmute(source: MediaSource): Promise<void> {
    return this.#call('unmute', { source });
  }

  /** `CascadeClient.setPreferredLayers`: a consumer id or a participant id. */
  setPreferredLayers(id: string, spatial: number, temporal?: number): Promise<void> {
    return this.#call('setPreferredLayers', {
      id,
      spatial,
      ...(temporal === undefined ? {} : { temporal }),
    });
  }

  /** `CascadeClient.setView`: what the bot shows (the server forwards only that video). */
  setView(view: ClientView): Promise<SetViewResult> {
    return this.#call('setView', view);
  }

  /** Any signaling request through the bot's connection (`participant.list`, ...). */
  async request<M extends SignalingMethod>(
    method: M,
    payload: SignalingRequestOf<M>,
  ): Promise<SignalingResultOf<M>> {
    return (await this.#call('request', { method, payload })) as SignalingResultOf<M>;
  }

  /** Leaves the room (`room.leave`); the process keeps running until {@link stop}. */
  leave(): Promise<void> {
    return this.#call('leave', undefined);
  }

  /**
   * Starts over as a new client in the same process (leaving first if it has not): its events
   * and received tracks are forgotten, the options are those it started with but for
   * `displayName`. With a token function, the next join asks it for a token again: a test that
   * wants another participant each time (churn) makes it answer another user. Saves starting a
   * process (Node, the SDK, libwebrtc) per participant.
   */
  async renew(changes: { displayName?: string } = {}): Promise<void> {
    await this.#call('reset', undefined);
    this.#init = { ...this.#init, ...changes };
    await this.#call('init', this.#init);
  }

  /**
   * Ends the process without leaving (the gateway sees a dropped socket): it exits through
   * `process.exit`, and is killed if it has not after `graceMs`.
   */
  async stop(graceMs = 5_000): Promise<void> {
    if (!this.running) return;
    await this.#rpc.request('exit', undefined).catch(() => undefined);
    await stopProcess(this.child, graceMs);
  }

  /** The end of the bot's output (its warnings and errors), for failure messages. */
  output(): string {
    return this.#output();
  }

  async #call<M extends keyof BotMethods & string>(
    method: M,
    params: Parameters<BotMethods[M]>[0],
  ): Promise<Awaited<ReturnType<BotMethods[M]>>> {
    let result: unknown;
    try {
      result = await this.#rpc.request(method, params);
    } catch (error) {
      throw this.#failure(`${method} failed: ${(error as Error).message}`);
    }
    if (typeof result === 'object' && result !== null && CASCADE_ERROR in result) {
      // The SDK's own error, with its code (`FORBIDDEN`, `UNAUTHENTICATED`...).
      throw CascadeError.fromEnvelope((result as Record<string, ErrorEnvelope>)[CASCADE_ERROR]!);
    }
    return result as Awaited<ReturnType<BotMethods[M]>>;
  }

  #failure(what: string): Error {
    const output = this.#output();
    return new Error(`bot ${this.name} ${what}${output ? `\n--- bot output ---\n${output}` : ''}`);
  }
}
