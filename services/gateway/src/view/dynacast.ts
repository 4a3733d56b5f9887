import { type ClientView, MAX_SPATIAL_LAYER } from '@cascade/contracts';

import { type PlannedConsumer, type PlannedProducer, ViewPlanner } from './view-planner';

/** The highest spatial layer of a producer some consumer wants; `null`: none wants any. */
export type WantedLayer = number | null;

/** One participant of the room as a receiver: its view and its consumers (on any node). */
export interface DynacastViewer {
  participantId: string;
  view: ClientView | undefined;
  consumers: readonly PlannedConsumer[];
}

/** What decides the layers the room wants of every video producer. */
export interface DynacastInput {
  viewers: readonly DynacastViewer[];
  /** The room's active speakers, most recent first. */
  speakers: readonly string[];
  /** Everyone in the room, in the order they joined. */
  roster: readonly string[];
  producers: readonly PlannedProducer[];
}

/** A change to tell a publisher (`producer.layers`). */
export interface LayersChange {
  producerId: string;
  participantId: string;
  maxSpatialLayer: WantedLayer;
}

/**
 * Dynacast: for each video producer of a room, the highest simulcast layer any consumer wants,
 * wherever it sits (every participant's view and consumers are the room's, whichever node
 * holds them, so a copy piped to another node counts through the consumers there). A consumer
 * the {@link ViewPlanner} lets flow wants the layer its view asks for (no preference: the top);
 * one it pauses wants none. A publisher is told when that changes, and turns off what nobody
 * wants.
 *
 * Plain and synchronous: the view operations load the inputs, keep the last answer and send.
 */
export class Dynacast {
  constructor(
    private readonly planner: ViewPlanner = new ViewPlanner(),
    /** The highest layer a publisher sends (what it sends before it is told anything). */
    readonly top: number = MAX_SPATIAL_LAYER,
  ) {}

  /** The layer wanted of every video producer of the room, by producer id. */
  wanted(input: DynacastInput): Map<string, WantedLayer> {
    const wanted = new Map<string, WantedLayer>(
      input.producers.filter((p) => p.kind === 'video').map((p) => [p.producerId, null]),
    );
    for (const viewer of input.viewers) {
      const choice = this.planner.choose({
        participantId: viewer.participantId,
        view: viewer.view,
        speakers: input.speakers,
        roster: input.roster,
        producers: input.producers,
      });
      const producerOf = new Map(viewer.consumers.map((c) => [c.consumerId, c.producerId]));
      for (const plan of this.planner.plan(choice, input.producers, viewer.consumers)) {
        if (plan.paused) continue;
        const producerId = producerOf.get(plan.consumerId)!;
        const layer = Math.min(plan.spatialLayer ?? this.top, this.top);
        const was = wanted.get(producerId);
        if (was === undefined) continue; // not a video producer of the room
        if (was === null || layer > was) wanted.set(producerId, layer);
      }
    }
    return wanted;
  }

  /**
   * What publishers must be told to go from `previous` to `next`: every producer whose wanted
   * layer differs. A producer never told anything sends every layer (as its client made it).
   */
  changes(
    previous: ReadonlyMap<string, WantedLayer>,
    next: ReadonlyMap<string, WantedLayer>,
    producers: readonly PlannedProducer[],
  ): LayersChange[] {
    const owner = new Map(producers.map((p) => [p.producerId, p.participantId]));
    const changes: LayersChange[] = [];
    for (const [producerId, layer] of next) {
      const was = previous.has(producerId) ? previous.get(producerId)! : this.top;
      const participantId = owner.get(producerId);
      if (was === layer || participantId === undefined) continue;
      changes.push({ producerId, participantId, maxSpatialLayer: layer });
    }
    return changes;
  }
}
