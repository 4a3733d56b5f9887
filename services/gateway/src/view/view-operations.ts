import {
  CascadeError,
  type ClientView,
  type MediaKind,
  type ParticipantInfo,
  type SetViewResult,
  type SfuControlRequestOf,
  type SfuControlResult,
} from '@cascade/contracts';
import { KeyedQueue } from '@cascade/server-kit';

import type { ParticipantRef } from '../signaling/channels';
import type { SessionBinding, SignalingSocket } from '../signaling/socket-data';
import { TokenBucket } from '../signaling/token-bucket';
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

type ViewStoreLike = Pick<
  ViewStore,
  'view' | 'views' | 'setView' | 'forget' | 'speakers' | 'pushSpeaker'
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
  rate?: { perSecond: number; burst: number };
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
 */
export class ViewOperations implements ViewHooks {
  readonly #planner: ViewPlanner;
  readonly #queue = new KeyedQueue();
  readonly #buckets = new WeakMap<SignalingSocket, TokenBucket>();

  constructor(private readonly deps: ViewDeps) {
    this.#planner = deps.planner ?? new ViewPlanner();
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
      const [roster, producers, speakers, stored] = await Promise.all([
        this.deps.sessions.roster(tenantId, roomId),
        this.deps.media.producers(tenantId, roomId),
        this.deps.views.speakers(tenantId, roomId),
        this.deps.sessions.get(s),
      ]);
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
      await this.deps.views.setView(tenantId, roomId, s.participantId, view);
      return { flowing: [...choice.keys()], paused: plans.filter((p) => p.paused).length };
    });
  }

  async consumersCreated(s: SessionBinding, consumers: readonly CreatedConsumer[]): Promise<void> {
    const videos = consumers.filter((c) => c.kind === 'video');
    if (videos.length === 0) return;
    try {
      await this.#queue.run(roomKey(s), async () => {
        const { tenantId, roomId } = s;
        const [roster, producers, speakers, view] = await Promise.all([
          this.deps.sessions.roster(tenantId, roomId),
          this.deps.media.producers(tenantId, roomId),
          this.deps.views.speakers(tenantId, roomId),
          this.deps.views.view(tenantId, roomId, s.participantId),
        ]);
        const choice = this.#planner.choose({
          participantId: s.participantId,
          view,
          speakers,
          roster: roster.map((p) => p.participantId),
          producers,
        });
        const changes = this.#planner.changes(
          undefined,
          this.#planner.plan(choice, producers, videos),
        );
        await this.#apply(s.nodeId, s, changes);
      });
    } catch (error) {
      this.deps.log.warn(
        { ...ref(s), consumers: videos.length, error: String(error) },
        'the view was not applied to new consumers',
      );
    }
  }

  /**
   * A participant's session ended (it left, was removed, or its grace ran out): the room forgets
   * its view and its place among the recent speakers now, not at the next speaker change (which
   * may never come). Best effort, never throws.
   */
  async participantLeft(participant: ParticipantRef): Promise<void> {
    const { tenantId, roomId, participantId } = participant;
    try {
      await this.#queue.run(roomKey(participant), () =>
        this.deps.views.forget(tenantId, roomId, [participantId]),
      );
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
        const { before, after } = await this.deps.views.pushSpeaker(
          tenantId,
          roomId,
          participantId,
        );
        // Read after the push: a speaker whose event arrived after it left (the session ended,
        // maybe on another instance) is forgotten here or by that instance's participantLeft,
        // whichever runs last (it removes the session before it forgets).
        const [roster, viewers, producers, views] = await Promise.all([
          this.deps.sessions.roster(tenantId, roomId),
          this.deps.sessions.viewerIds(tenantId, roomId),
          this.deps.media.producers(tenantId, roomId),
          this.deps.views.views(tenantId, roomId),
        ]);
        const ids = roster.map((p) => p.participantId);
        // Everyone who receives: the speakers (the tiles) and the viewers of a webinar.
        const receivers = [...ids, ...viewers];
        const present = new Set(receivers);
        const gone = [...new Set([...views.keys(), ...after])].filter((id) => !present.has(id));
        if (gone.length > 0) await this.deps.views.forget(tenantId, roomId, gone);
        if (before[0] === participantId || !ids.includes(participantId)) return;
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
            if (ViewPlanner.same(was, now)) return;
            const r = { tenantId, roomId, participantId: viewer };
            const stored = await this.deps.sessions.get(r);
            if (!stored) return;
            const changes = this.#planner.changes(
              this.#planner.plan(was, producers, stored.consumers),
              this.#planner.plan(now, producers, stored.consumers),
            );
            await this.#apply(stored.nodeId, r, changes);
          }),
        );
        const failed = outcomes.filter((o) => o.status === 'rejected');
        if (failed.length > 0)
          this.deps.log.warn(
            { tenantId, roomId, failed: failed.length, error: String(failed[0]!.reason) },
            'a speaker change was not applied to some views',
          );
      });
    } catch (error) {
      this.deps.log.warn({ tenantId, roomId, error: String(error) }, 'speaker change not applied');
    }
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

function session(socket: SignalingSocket): SessionBinding {
  const binding = socket.data.session;
  if (!binding) throw new CascadeError('CONFLICT', 'join the room first (room.join)');
  return binding;
}

function ref(r: ParticipantRef): ParticipantRef {
  return { tenantId: r.tenantId, roomId: r.roomId, participantId: r.participantId };
}

function roomKey(r: ParticipantRef): string {
  return `${r.tenantId}/${r.roomId}`;
}
