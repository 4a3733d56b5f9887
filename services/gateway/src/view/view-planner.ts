import { type ClientView, DEFAULT_LAST_N, type MediaKind, layerForSize } from '@cascade/contracts';

/** A producer of the room, as far as choosing what flows needs it. */
export interface PlannedProducer {
  producerId: string;
  participantId: string;
  kind: MediaKind;
}

/** What decides whose video flows to one participant (none of it depends on its consumers). */
export interface ChoiceInput {
  /** The viewer. */
  participantId: string;
  /** Its view; undefined: it never set one (video of up to the default last-N flows). */
  view: ClientView | undefined;
  /** The room's active speakers, most recent first. */
  speakers: readonly string[];
  /** Everyone in the room, in the order they joined. */
  roster: readonly string[];
  /** Every producer of the room. */
  producers: readonly PlannedProducer[];
}

/**
 * Whose video flows, each with the spatial layer the view prefers for it (undefined: no
 * preference, the node's default, the highest).
 */
export type Choice = ReadonlyMap<string, number | undefined>;

/** What one video consumer should do. */
export interface ConsumerPlan {
  consumerId: string;
  participantId: string;
  paused: boolean;
  spatialLayer?: number;
}

/** A consumer as the gateway records it. */
export interface PlannedConsumer {
  consumerId: string;
  producerId: string;
}

/**
 * Decides, for one participant, which of its video consumers flow and at which layer: the
 * participants it shows first (in its order), then the room's most recent active speakers, up
 * to its last-N; a visible one at the layer its drawn size asks for, a speaker not on screen at
 * the lowest. Without a view: the recent speakers, then everyone by when they joined, up to the
 * default last-N, with no layer preference (as before views existed). Only participants that
 * publish video count; the viewer never counts itself. Audio is the `AudioPlanner`'s.
 *
 * Plain and synchronous: the gateway's view operations load the inputs and apply the outcome.
 */
export class ViewPlanner {
  constructor(readonly defaultLastN: number = DEFAULT_LAST_N) {}

  choose(input: ChoiceInput): Choice {
    const { view, participantId: self } = input;
    const publishing = new Set(
      input.producers.filter((p) => p.kind === 'video').map((p) => p.participantId),
    );
    publishing.delete(self);
    const sizes = new Map(
      (view?.visible ?? []).map((t) => [t.participantId, layerForSize(t.width, t.height)]),
    );
    const order = view
      ? [...view.visible.map((t) => t.participantId), ...input.speakers]
      : [...input.speakers, ...input.roster];
    const limit = view?.lastN ?? this.defaultLastN;
    const chosen = new Map<string, number | undefined>();
    for (const id of order) {
      if (chosen.size >= limit) break;
      if (!publishing.has(id) || chosen.has(id)) continue;
      chosen.set(id, view ? (sizes.get(id) ?? 0) : undefined);
    }
    return chosen;
  }

  /** Every video consumer's plan under `choice` (consumers of unknown producers left out). */
  plan(
    choice: Choice,
    producers: readonly PlannedProducer[],
    consumers: readonly PlannedConsumer[],
  ): ConsumerPlan[] {
    const videos = new Map(
      producers.filter((p) => p.kind === 'video').map((p) => [p.producerId, p.participantId]),
    );
    return consumers.flatMap(({ consumerId, producerId }) => {
      const participantId = videos.get(producerId);
      if (participantId === undefined) return [];
      const flowing = choice.has(participantId);
      const spatialLayer = choice.get(participantId);
      return [
        {
          consumerId,
          participantId,
          paused: !flowing,
          ...(flowing && spatialLayer !== undefined ? { spatialLayer } : {}),
        },
      ];
    });
  }

  /**
   * The plans of `next` that differ from `previous` (by consumer). Without a previous plan a
   * consumer is as the node made it: flowing as far as the view goes, no preferred layer.
   */
  changes(previous: readonly ConsumerPlan[] | undefined, next: readonly ConsumerPlan[]) {
    const before = new Map((previous ?? []).map((p) => [p.consumerId, p]));
    return next.filter((p) => {
      const b = before.get(p.consumerId) ?? { paused: false, spatialLayer: undefined };
      return (
        b.paused !== p.paused ||
        (!p.paused && b.spatialLayer !== p.spatialLayer && p.spatialLayer !== undefined)
      );
    });
  }

  /** Whether two choices let the same participants flow at the same layers. */
  static same(a: Choice, b: Choice): boolean {
    if (a.size !== b.size) return false;
    for (const [id, layer] of a) if (!b.has(id) || b.get(id) !== layer) return false;
    return true;
  }
}
