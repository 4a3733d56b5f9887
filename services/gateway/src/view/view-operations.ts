import {
  CascadeError,
  type ClientView,
  type MediaKind,
  type ParticipantInfo,
  type ProducerLayers,
  type SetViewResult,
  type SfuControlRequestOf,
  type SfuControlResult,
} from '@cascade/contracts';
import { KeyedQueue } from '@cascade/server-kit';

import type { ParticipantRef } from '../signaling/channels';
import type { SessionBinding, SignalingSocket } from '../signaling/socket-data';
import { TokenBucket } from '../signaling/token-bucket';
import { type Audible, type AudibleInput, AudioPlanner, type VoiceLevel } from './audio-planner';
import { Dynacast, type DynacastViewer, type WantedLayer } from './dynacast';
import {
  type ConsumerPlan,
  type PlannedConsumer,
  type PlannedProducer,
  ViewPlanner,
} from './view-planner';
import type { ViewStore } from './view-store';

/** View changes a session may make per second, and at once (a grid that scrolls sends a few). */
export const VIEW_RATE_PER_SECOND = 5;
export const VIEW_BURST = 10;
/** Consumers per `consumer.setViewState` request (the node takes at most 500; 64 KiB of JSON). */
const NODE_BATCH = 400;
/** Dynacast's wait for more changes of a room (a layer wanted again is back within a second). */
export const LAYERS_DELAY_MS = 100;
/**
 * How long dynacast waits before it tells a publisher to send less (a grid that scrolls or a
 * tile that shrinks a moment wants the layer back; each lowering and raising costs the publisher
 * an encoder restart and its receivers a keyframe). Raising is told at once.
 */
export const LOWER_DELAY_MS = 2_000;
/** How many times a change raced by another instance's is set again from the room's latest. */
const SETTLE_ROUNDS = 4;

type ViewStoreLike = Pick<
  ViewStore,
  | 'view'
  | 'views'
  | 'setView'
  | 'forget'
  | 'speakers'
  | 'speakersAt'
  | 'epoch'
  | 'pushSpeaker'
  | 'swapAudible'
  | 'swapLayers'
  | 'layers'
>;

/** What view operations read and do elsewhere (the gateway's stores and its SFU nodes). */
export interface ViewDeps {
  views: ViewStoreLike;
  sessions: {
    get(ref: ParticipantRef): Promise<{ nodeId: string; consumers: PlannedConsumer[] } | undefined>;
    roster(tenantId: string, roomId: string): Promise<ParticipantInfo[]>;
    /** The room's viewers (webinars): not in the roster, they receive and keep views too. */
    viewerIds(tenantId: string, roomId: string): Promise<string[]>;
  };
  media: { producers(tenantId: string, roomId: string): Promise<PlannedProducer[]> };
  nodes: {
    setViewState(
      nodeId: string,
      request: Omit<SfuControlRequestOf<'consumer.setViewState'>, 'op'>,
    ): Promise<SfuControlResult<'consumer.setViewState'>>;
  };
  log: { warn(fields: Record<string, unknown>, message: string): void };
  now?: () => number;
  planner?: ViewPlanner;
  /** Whose audio a big room hears (default: its 3 loudest above 20 participants). */
  audio?: AudioPlanner;
  rate?: { perSecond: number; burst: number };
  /**
   * Dynacast: tells a publisher (its sockets only) the highest layer anyone wants of one of its
   * producers. Without it, publishers send every layer.
   */
  publishers?: { layers(publisher: ParticipantRef, layers: ProducerLayers): void };
  dynacast?: Dynacast;
  /** How long dynacast waits for more changes of a room before it works its layers out. */
  layersDelayMs?: number;
  /** How long a layer no longer wanted stays on before its publisher is told (dynacast). */
  lowerDelayMs?: number;
}

/** A consumer the gateway just made, as far as views care. */
export interface CreatedConsumer {
  consumerId: string;
  producerId: string;
  kind: MediaKind;
}

/** What the rest of the gateway calls: `MediaOperations` when it makes consumers. */
export interface ViewHooks {
  setView(socket: SignalingSocket, view: ClientView): Promise<SetViewResult>;
  /** Best effort, never throws: applies the session's view to consumers it just got. */
  consumersCreated(s: SessionBinding, consumers: readonly CreatedConsumer[]): Promise<void>;
  /** Best effort, never throws: a publisher that resumed is told its producers' layers again. */
  resumed?(publisher: ParticipantRef): Promise<void>;
  /** Never throws, not awaited: a consumer of `participant` closed (dynacast follows). */
  consumerClosed?(participant: ParticipantRef): void;
}

/**
 * Subscriptions that follow the view (`room.setView`): keeps each session's view and the room's
 * recent speakers (Redis, {@link ViewStore}), decides with the {@link ViewPlanner} which video
 * consumers of a session flow and at which layer, and tells the session's SFU node
 * (`consumer.setViewState`: a pause of the view's own, composed on the node with the client's).
 * Applied when the client sets a view (all its video consumers), when it gets new consumers
 * (those), and when the room's active speaker changes (the consumers whose state changes, of the
 * sessions whose choice changes). Within one instance a room's changes are applied one after the
 * other.
 *
 * Audio too, in a room larger than the {@link AudioPlanner}'s size: only its loudest (most recent
 * active) speakers are heard, a choice made for the whole room from its speakers in Redis and
 * recorded there (`swapAudible`), so that each change is applied once, as the difference from
 * the last one. It is made again whenever it may change: a speaker change, a consumer made (a
 * newcomer receives), a participant who left; the consumers of every session whose audio changes
 * are paused or resumed on their nodes.
 *
 * Dynacast too: after each of those changes (and when a consumer closes), the highest layer any
 * consumer of the room wants of each video producer ({@link Dynacast}) is worked out and
 * recorded in Redis (`swapLayers`), and the publishers whose producers' layers changed are told
 * (`producer.layers`, to their sockets only), so that their clients stop sending what nobody
 * receives.
 *
 * Several instances apply changes of one room at once (a room's speaker events reach any
 * gateway), each computed from what it read, so the node may get an older instance's changes
 * after a newer one's. Every change that decides what flows counts up the room's epoch in Redis;
 * an operation that sent changes looks at the epoch afterwards, and when another instance counted
 * it meanwhile, sets the sessions it touched again, whole, from what the room holds now
 * (`#settle`), until the epoch stays still.
 */
export class ViewOperations implements ViewHooks {
  readonly #planner: ViewPlanner;
  readonly #audio: AudioPlanner;
  readonly #dynacast: Dynacast;
  /** Rooms whose layers are to be worked out again (dynacast), and whether once more. */
  readonly #layerRuns = new Map<string, { again: boolean; done: Promise<void> }>();
  /**
   * Dynacast's lowerings still held back, by room: producer id → since when it is wanted lower
   * than its publisher was told; and each such room's timer to work its layers out again then.
   */
  readonly #lowering = new Map<string, Map<string, number>>();
  readonly #wakes = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #queue = new KeyedQueue();
  readonly #buckets = new WeakMap<SignalingSocket, TokenBucket>();

  constructor(private readonly deps: ViewDeps) {
    this.#planner = deps.planner ?? new ViewPlanner();
    this.#audio = deps.audio ?? new AudioPlanner();
    this.#dynacast = deps.dynacast ?? new Dynacast(this.#planner);
  }

  /**
   * Replaces the session's view and applies it to all its video consumers. Refused (nothing
   * changed): `RATE_LIMITED` past the session's allowance, `NOT_FOUND` when it names someone
   * who is not in the room.
   */
  async setView(socket: SignalingSocket, view: ClientView): Promise<SetViewResult> {
    const s = session(socket);
    const bucket = this.#bucket(socket);
    if (!bucket.take()) {
      throw new CascadeError('RATE_LIMITED', 'too many view changes; send the latest later', {
        retryAfterMs: bucket.retryAfterMs(),
      });
    }
    return this.#queue.run(roomKey(s), async () => {
      const { tenantId, roomId } = s;
      const [roster, producers, { speakers, epoch }, stored] = await Promise.all([
        this.deps.sessions.roster(tenantId, roomId),
        this.deps.media.producers(tenantId, roomId),
        this.deps.views.speakersAt(tenantId, roomId),
        this.deps.sessions.get(s),
      ]);
      const seen = new Seen(epoch);
      const inRoom = new Set(roster.map((p) => p.participantId));
      const strangers = view.visible.map((t) => t.participantId).filter((id) => !inRoom.has(id));
      if (strangers.length > 0) {
        throw new CascadeError(
          'NOT_FOUND',
          `${strangers.length} participant(s) of the view are not in this room: ${strangers
            .slice(0, 3)
            .join(', ')}`,
          { participantIds: strangers.slice(0, 100) },
        );
      }
      if (!stored) throw new CascadeError('CONFLICT', 'the session ended meanwhile');
      const choice = this.#planner.choose({
        participantId: s.participantId,
        view,
        speakers,
        roster: roster.map((p) => p.participantId),
        producers,
      });
      const plans = this.#planner.plan(choice, producers, stored.consumers);
      await this.#apply(stored.nodeId, s, plans);
      seen.own(await this.deps.views.setView(tenantId, roomId, s.participantId, view));
      await this.#settle(tenantId, roomId, [s.participantId], seen);
      this.#followLayersSoon(s);
      return { flowing: [...choice.keys()], paused: plans.filter((p) => p.paused).length };
    });
  }

  async consumersCreated(s: SessionBinding, consumers: readonly CreatedConsumer[]): Promise<void> {
    if (consumers.length === 0) return;
    try {
      await this.#queue.run(roomKey(s), async () => {
        const { tenantId, roomId } = s;
        // A webinar's viewers are read only if the room's audio changes: every viewer's join
        // makes consumers, and reading thousands of them each time would cost the room's fill
        // the square of its size.
        const [{ speakers, epoch }, { ids, producers }, view] = await Promise.all([
          this.deps.views.speakersAt(tenantId, roomId),
          this.#speakersAndProducers(tenantId, roomId),
          this.deps.views.view(tenantId, roomId, s.participantId),
        ]);
        const seen = new Seen(epoch);
        // The room may just have grown past the audio policy's size (a newcomer receives).
        const heard = await this.#hear(
          tenantId,
          roomId,
          { speakers, roster: ids, producers },
          seen,
        );
        const made = new Set(consumers.map((c) => c.consumerId));
        const receivers = () => this.#receivers(tenantId, roomId, ids);
        await this.#applyAudio(tenantId, roomId, receivers, producers, heard, made);
        const choice = this.#planner.choose({
          participantId: s.participantId,
          view,
          speakers,
          roster: ids,
          producers,
        });
        const changes = this.#planner.changes(undefined, [
          ...this.#planner.plan(choice, producers, consumers),
          ...this.#audio.plan(heard.now, producers, consumers),
        ]);
        await this.#apply(s.nodeId, s, changes);
        await this.#settle(tenantId, roomId, heard.moved ? 'all' : [s.participantId], seen);
        this.#followLayersSoon(s);
      });
    } catch (error) {
      this.deps.log.warn(
        { ...ref(s), consumers: consumers.length, error: String(error) },
        'the view was not applied to new consumers',
      );
    }
  }

  /**
   * A participant's session ended (it left, was removed, or its grace ran out): the room forgets
   * its view and its place among the recent speakers now, not at the next speaker change (which
   * may never come). The room's audio follows: the next speaker is heard in its place, or
   * everyone once the room is small again. Best effort, never throws.
   */
  async participantLeft(participant: ParticipantRef): Promise<void> {
    const { tenantId, roomId, participantId } = participant;
    try {
      await this.#queue.run(roomKey(participant), async () => {
        const seen = new Seen(await this.deps.views.forget(tenantId, roomId, [participantId]));
        const [{ ids, producers }, speakers] = await Promise.all([
          this.#speakersAndProducers(tenantId, roomId),
          this.deps.views.speakers(tenantId, roomId),
        ]);
        const heard = await this.#hear(
          tenantId,
          roomId,
          { speakers, roster: ids, producers },
          seen,
        );
        const receivers = () => this.#receivers(tenantId, roomId, ids);
        await this.#applyAudio(tenantId, roomId, receivers, producers, heard);
        if (heard.moved) await this.#settle(tenantId, roomId, 'all', seen);
        this.#followLayersSoon(participant);
      });
    } catch (error) {
      this.deps.log.warn(
        { tenantId, roomId, participantId, error: String(error) },
        'the view of a participant who left was not forgotten',
      );
    }
  }

  /**
   * The room's active speaker changed: every session whose choice changes with it (a speaker
   * enters its last-N, another leaves it) gets those consumers changed. Best effort, never throws.
   */
  async speakerChanged(tenantId: string, roomId: string, participantId: string): Promise<void> {
    try {
      await this.#queue.run(`${tenantId}/${roomId}`, async () => {
        const { before, after, epoch } = await this.deps.views.pushSpeaker(
          tenantId,
          roomId,
          participantId,
        );
        const seen = new Seen(epoch);
        // Read after the push: a speaker whose event arrived after it left (the session ended,
        // maybe on another instance) is forgotten here or by that instance's participantLeft,
        // whichever runs last (it removes the session before it forgets).
        const [{ ids, receivers, producers }, views] = await Promise.all([
          this.#members(tenantId, roomId),
          this.deps.views.views(tenantId, roomId),
        ]);
        const present = new Set(receivers);
        const gone = [...new Set([...views.keys(), ...after])].filter((id) => !present.has(id));
        if (gone.length > 0) seen.own(await this.deps.views.forget(tenantId, roomId, gone));
        if (before[0] === participantId || !ids.includes(participantId)) return;
        const heard = await this.#hear(
          tenantId,
          roomId,
          { speakers: after, roster: ids, producers },
          seen,
        );
        const touched: string[] = [];
        const outcomes = await Promise.allSettled(
          receivers.map(async (viewer) => {
            const input = {
              participantId: viewer,
              view: views.get(viewer),
              roster: ids,
              producers,
            };
            const was = this.#planner.choose({ ...input, speakers: before });
            const now = this.#planner.choose({ ...input, speakers: after });
            const videoMoved = !ViewPlanner.same(was, now);
            if (!videoMoved && !heard.moved) return;
            const r = { tenantId, roomId, participantId: viewer };
            const stored = await this.deps.sessions.get(r);
            if (!stored) return;
            const changes = [
              ...(videoMoved
                ? this.#planner.changes(
                    this.#planner.plan(was, producers, stored.consumers),
                    this.#planner.plan(now, producers, stored.consumers),
                  )
                : []),
              ...this.#audioChanges(heard, producers, stored.consumers),
            ];
            if (changes.length > 0) touched.push(viewer);
            await this.#apply(stored.nodeId, r, changes);
          }),
        );
        const failed = outcomes.filter((o) => o.status === 'rejected');
        if (failed.length > 0)
          this.deps.log.warn(
            { tenantId, roomId, failed: failed.length, error: String(failed[0]!.reason) },
            'a speaker change was not applied to some views',
          );
        await this.#settle(tenantId, roomId, heard.moved ? 'all' : touched, seen);
        this.#followLayersSoon({ tenantId, roomId });
      });
    } catch (error) {
      this.deps.log.warn({ tenantId, roomId, error: String(error) }, 'speaker change not applied');
    }
  }

  /**
   * A consumer of `participant` closed (it unsubscribed, or its node closed it): the layers its
   * publisher sends may no longer be wanted (dynacast). Best effort, never throws; not awaited.
   */
  consumerClosed(participant: ParticipantRef): void {
    this.#followLayersSoon(participant);
  }

  /**
   * A publisher took its session back (`session.resume`): what it was told of its producers'
   * layers while its socket was gone is told again (dynacast). Best effort, never throws.
   */
  async resumed(publisher: ParticipantRef): Promise<void> {
    const { tenantId, roomId, participantId } = publisher;
    const publishers = this.deps.publishers;
    if (!publishers) return;
    try {
      const [layers, producers] = await Promise.all([
        this.deps.views.layers(tenantId, roomId),
        this.deps.media.producers(tenantId, roomId),
      ]);
      for (const p of producers) {
        const maxSpatialLayer = layers.get(p.producerId);
        if (p.participantId !== participantId || maxSpatialLayer === undefined) continue;
        publishers.layers(ref(publisher), { producerId: p.producerId, maxSpatialLayer });
      }
    } catch (error) {
      this.deps.log.warn({ ...ref(publisher), error: String(error) }, 'layers not told again');
    }
  }

  /**
   * A node's loudest voices (`room.audioLevels`): in a room larger than the audio policy's size,
   * a voice that speaks and is not heard becomes the room's most recent speaker, as if its node
   * had named it (see {@link AudioPlanner.unheardVoice}). Best effort, never throws.
   */
  async audioLevels(
    tenantId: string,
    roomId: string,
    levels: readonly VoiceLevel[],
  ): Promise<void> {
    try {
      const speakers = await this.deps.views.speakers(tenantId, roomId);
      const voice = this.#audio.unheardVoice(levels, speakers);
      if (voice === undefined) return;
      const roster = await this.deps.sessions.roster(tenantId, roomId);
      if (!this.#audio.limits(roster.length)) return;
      await this.speakerChanged(tenantId, roomId, voice);
    } catch (error) {
      this.deps.log.warn({ tenantId, roomId, error: String(error) }, 'audio levels not applied');
    }
  }

  /**
   * Dynacast, soon: the room's layers are worked out again a moment from now (`layersDelayMs`),
   * once for every change that comes meanwhile (a grid that scrolls, a burst of consumers), since
   * each time reads every session of the room. Never throws.
   */
  #followLayersSoon(room: { tenantId: string; roomId: string }): void {
    if (!this.deps.publishers) return;
    const key = roomKey(room);
    const pending = this.#layerRuns.get(key);
    if (pending) {
      pending.again = true;
      return;
    }
    const delay = this.deps.layersDelayMs ?? LAYERS_DELAY_MS;
    const run = { again: true, done: Promise.resolve() };
    run.done = (async () => {
      while (run.again) {
        await new Promise((resolve) => setTimeout(resolve, delay));
        run.again = false; // what changed until now is read by the run that follows
        await this.#queue
          .run(key, () => this.#followLayers(room.tenantId, room.roomId))
          .catch(() => undefined);
      }
      this.#layerRuns.delete(key);
    })();
    this.#layerRuns.set(key, run);
  }

  /** Resolves once no room's layers are waiting to be worked out (for tests). */
  async layersSettled(): Promise<void> {
    while (this.#layerRuns.size > 0)
      await Promise.all([...this.#layerRuns.values()].map((r) => r.done));
  }

  /**
   * Dynacast: the highest layer wanted of each video producer of the room, from every view and
   * consumer of it (whichever node), recorded for the room; each publisher whose producer's
   * layer changed is told. Best effort: a failure is logged, and the room's next change of views,
   * speakers or consumers makes it right.
   */
  async #followLayers(tenantId: string, roomId: string): Promise<void> {
    const publishers = this.deps.publishers;
    if (!publishers) return;
    try {
      const [{ ids, receivers, producers }, speakers, views] = await Promise.all([
        this.#members(tenantId, roomId),
        this.deps.views.speakers(tenantId, roomId),
        this.deps.views.views(tenantId, roomId),
      ]);
      // Whoever consumes wants layers: the speakers (their sessions say what they consume) and a
      // webinar's viewers, who may be thousands: their sessions are not read (a burst of joins
      // would read every one of them ten times a second); a viewer's client consumes every
      // speaker (it has nothing else to show), so it counts as consuming every video producer,
      // and viewers with the same view count once.
      const inRoster = new Set(ids);
      const speakersAsViewers = await Promise.all(
        ids.map(async (participantId) => ({
          participantId,
          view: views.get(participantId),
          consumers:
            (await this.deps.sessions.get({ tenantId, roomId, participantId }))?.consumers ?? [],
        })),
      );
      const everyVideo = producers
        .filter((p) => p.kind === 'video')
        .map((p) => ({ consumerId: p.producerId, producerId: p.producerId }));
      const webinarViewers = new Map<string, DynacastViewer>();
      for (const participantId of receivers) {
        if (inRoster.has(participantId)) continue;
        const view = views.get(participantId);
        const key = view === undefined ? '' : JSON.stringify(view);
        if (!webinarViewers.has(key))
          webinarViewers.set(key, { participantId, view, consumers: everyVideo });
      }
      const wanted = this.#dynacast.wanted({
        viewers: [...speakersAsViewers, ...webinarViewers.values()],
        speakers,
        roster: ids,
        producers,
      });
      const next = this.#holdLowerings(
        { tenantId, roomId },
        await this.deps.views.layers(tenantId, roomId),
        wanted,
      );
      const previous = await this.deps.views.swapLayers(tenantId, roomId, next);
      for (const change of this.#dynacast.changes(previous, next, producers)) {
        publishers.layers(
          { tenantId, roomId, participantId: change.participantId },
          { producerId: change.producerId, maxSpatialLayer: change.maxSpatialLayer },
        );
      }
    } catch (error) {
      this.deps.log.warn({ tenantId, roomId, error: String(error) }, 'layers not followed');
    }
  }

  /**
   * Dynacast's lowering delay: of the layers `wanted`, those lower than what their publishers
   * were `told` stay as told until they have been wanted lower for `lowerDelayMs` (a layer wanted
   * again meanwhile was never turned off); the room's layers are worked out again when the first
   * held one is due. Answers the layers to tell.
   */
  #holdLowerings(
    room: { tenantId: string; roomId: string },
    told: ReadonlyMap<string, WantedLayer>,
    wanted: ReadonlyMap<string, WantedLayer>,
  ): Map<string, WantedLayer> {
    const key = roomKey(room);
    const delay = this.deps.lowerDelayMs ?? LOWER_DELAY_MS;
    const layers = new Map(wanted);
    if (delay <= 0) return layers;
    const now = (this.deps.now ?? Date.now)();
    const was = this.#lowering.get(key);
    const held = new Map<string, number>();
    let due: number | undefined;
    for (const [producerId, layer] of wanted) {
      const before = told.has(producerId) ? told.get(producerId)! : this.#dynacast.top;
      if (rank(layer) >= rank(before)) continue;
      const since = was?.get(producerId) ?? now;
      const left = since + delay - now;
      if (left <= 0) continue; // wanted lower for long enough: told now
      held.set(producerId, since);
      layers.set(producerId, before);
      due = Math.min(due ?? left, left);
    }
    clearTimeout(this.#wakes.get(key));
    this.#wakes.delete(key);
    if (held.size === 0) {
      this.#lowering.delete(key);
      return layers;
    }
    this.#lowering.set(key, held);
    const wake = setTimeout(() => {
      this.#wakes.delete(key);
      this.#followLayersSoon(room);
    }, due!);
    wake.unref?.();
    this.#wakes.set(key, wake);
    return layers;
  }

  /**
   * Who is in the room: `ids`, the roster (the tiles: speakers, in the order they joined), and
   * `receivers`, everyone who receives (the roster and a webinar's viewers, who are in no
   * roster); and the room's producers.
   */
  async #members(tenantId: string, roomId: string) {
    const [{ ids, producers }, viewers] = await Promise.all([
      this.#speakersAndProducers(tenantId, roomId),
      this.deps.sessions.viewerIds(tenantId, roomId),
    ]);
    return { ids, receivers: [...ids, ...viewers], producers };
  }

  /** The roster's ids (see {@link ViewOperations.#members}) and the room's producers. */
  async #speakersAndProducers(tenantId: string, roomId: string) {
    const [roster, producers] = await Promise.all([
      this.deps.sessions.roster(tenantId, roomId),
      this.deps.media.producers(tenantId, roomId),
    ]);
    return { ids: roster.map((p) => p.participantId), producers };
  }

  /** Everyone who receives: the roster's `ids` and the room's viewers. */
  async #receivers(tenantId: string, roomId: string, ids: readonly string[]): Promise<string[]> {
    return [...ids, ...(await this.deps.sessions.viewerIds(tenantId, roomId))];
  }

  /**
   * Records whose audio the room hears under `input`; answers whose it heard until now. A change
   * of the record counts up the room's epoch, as `seen` notes.
   */
  async #hear(tenantId: string, roomId: string, input: AudibleInput, seen: Seen): Promise<Heard> {
    const now = this.#audio.audible(input);
    const { was, epoch, changed } = await this.deps.views.swapAudible(tenantId, roomId, now);
    seen.own(epoch, changed);
    return { was, now, moved: !AudioPlanner.same(was, now) };
  }

  /**
   * After an operation sent its changes: when another instance changed the room meanwhile (the
   * epoch moved past what the operation saw and counted itself), the sessions of `whom` (`'all'`:
   * everyone who receives) are set again, each of their consumers whole, from what the room
   * holds now; again while the epoch moves on, at most {@link SETTLE_ROUNDS} times. Whatever
   * instance changes the room after that sets what it changes from what it reads after its own
   * count, so the nodes end with the room's latest choice.
   */
  async #settle(
    tenantId: string,
    roomId: string,
    whom: readonly string[] | 'all',
    seen: Seen,
  ): Promise<void> {
    if (whom !== 'all' && whom.length === 0) return;
    for (let round = 0; ; round += 1) {
      const epoch = await this.deps.views.epoch(tenantId, roomId);
      if (!seen.stale && epoch === seen.epoch) return;
      if (round === SETTLE_ROUNDS) break;
      seen = new Seen(epoch);
      const [{ ids, receivers, producers }, speakers, views] = await Promise.all([
        this.#members(tenantId, roomId),
        this.deps.views.speakers(tenantId, roomId),
        this.deps.views.views(tenantId, roomId),
      ]);
      const heard = await this.#hear(tenantId, roomId, { speakers, roster: ids, producers }, seen);
      const present = new Set(receivers);
      const targets =
        whom === 'all' || heard.moved ? receivers : whom.filter((id) => present.has(id));
      await Promise.allSettled(
        targets.map(async (participantId) => {
          const r = { tenantId, roomId, participantId };
          const stored = await this.deps.sessions.get(r);
          if (!stored) return;
          const choice = this.#planner.choose({
            participantId,
            view: views.get(participantId),
            speakers,
            roster: ids,
            producers,
          });
          await this.#apply(stored.nodeId, r, [
            ...this.#planner.plan(choice, producers, stored.consumers),
            ...this.#audio.plan(heard.now, producers, stored.consumers),
          ]);
        }),
      );
    }
    this.deps.log.warn(
      { tenantId, roomId, rounds: SETTLE_ROUNDS },
      'the room kept changing while its views were set again; its next change sets them',
    );
  }

  /** The audio consumers among `consumers` whose state changes with `heard`. */
  #audioChanges(
    heard: Heard,
    producers: readonly PlannedProducer[],
    consumers: readonly PlannedConsumer[],
  ): ConsumerPlan[] {
    if (!heard.moved) return [];
    return this.#planner.changes(
      this.#audio.plan(heard.was, producers, consumers),
      this.#audio.plan(heard.now, producers, consumers),
    );
  }

  /**
   * Applies a change of the room's audio to every session of `ids` it concerns (but for the
   * consumers of `skip`, which the caller plans itself); `ids` are loaded only when the audio
   * changed.
   */
  async #applyAudio(
    tenantId: string,
    roomId: string,
    ids: () => Promise<readonly string[]>,
    producers: readonly PlannedProducer[],
    heard: Heard,
    skip: ReadonlySet<string> = new Set(),
  ): Promise<void> {
    if (!heard.moved) return;
    const outcomes = await Promise.allSettled(
      (await ids()).map(async (participantId) => {
        const r = { tenantId, roomId, participantId };
        const stored = await this.deps.sessions.get(r);
        if (!stored) return;
        const consumers = stored.consumers.filter((c) => !skip.has(c.consumerId));
        await this.#apply(stored.nodeId, r, this.#audioChanges(heard, producers, consumers));
      }),
    );
    const failed = outcomes.filter((o) => o.status === 'rejected');
    if (failed.length > 0)
      this.deps.log.warn(
        { tenantId, roomId, failed: failed.length, error: String(failed[0]!.reason) },
        'a change of whose audio the room hears was not applied to some sessions',
      );
  }

  async #apply(nodeId: string, r: ParticipantRef, plans: readonly ConsumerPlan[]): Promise<void> {
    for (let i = 0; i < plans.length; i += NODE_BATCH) {
      await this.deps.nodes.setViewState(nodeId, {
        ...ref(r),
        consumers: plans.slice(i, i + NODE_BATCH).map((p) => ({
          consumerId: p.consumerId,
          paused: p.paused,
          ...(p.spatialLayer === undefined ? {} : { spatialLayer: p.spatialLayer }),
        })),
      });
    }
  }

  #bucket(socket: SignalingSocket): TokenBucket {
    let bucket = this.#buckets.get(socket);
    if (!bucket) {
      const rate = this.deps.rate ?? { perSecond: VIEW_RATE_PER_SECOND, burst: VIEW_BURST };
      bucket = new TokenBucket(rate.perSecond, rate.burst, this.deps.now);
      this.#buckets.set(socket, bucket);
    }
    return bucket;
  }
}

/**
 * What one operation knows of its room's epoch: the count its reads saw (moved on by each change
 * of its own), and whether another instance counted one in between (`stale`).
 */
class Seen {
  stale = false;
  constructor(public epoch: number) {}

  /** The epoch after a change of this operation's own (`counted`: whether it counted one). */
  own(epoch: number, counted = true): void {
    if (epoch !== this.epoch + (counted ? 1 : 0)) this.stale = true;
    this.epoch = epoch;
  }
}

/** Whose audio the room heard, whose it hears now, and whether that differs. */
interface Heard {
  was: Audible;
  now: Audible;
  moved: boolean;
}

function session(socket: SignalingSocket): SessionBinding {
  const binding = socket.data.session;
  if (!binding) throw new CascadeError('CONFLICT', 'join the room first (room.join)');
  return binding;
}

function ref(r: ParticipantRef): ParticipantRef {
  return { tenantId: r.tenantId, roomId: r.roomId, participantId: r.participantId };
}

/** Orders wanted layers: none below the lowest. */
function rank(layer: WantedLayer): number {
  return layer ?? -1;
}

function roomKey(r: { tenantId: string; roomId: string }): string {
  return `${r.tenantId}/${r.roomId}`;
}
