import { MEDIA_MODEL, type MediaModel } from '@cascade/contracts';
import { z } from 'zod';

const fraction = (fallback: number) => z.coerce.number().min(0.01).max(10).default(fallback);
const weight = (fallback: number) => z.coerce.number().min(0).max(100).default(fallback);

/**
 * The orchestrator's placement settings from its environment: one definition for the service
 * (spread into its config schema) and for the placement simulation (`bench/placement.ts`), which
 * runs the same defaults. Last-N and what a viewer costs are not here: they are the product's,
 * `MEDIA_MODEL` in `@cascade/contracts`.
 */
export const PlacementEnv = {
  /** A room keeps placing on the nodes it uses while their load is under this (0..1). */
  ORCH_STICKY_THRESHOLD: fraction(0.7),
  /**
   * ...and while a room's node is at most this much more loaded than the node a newcomer would
   * get otherwise (0..1): the room saves a pipe, the cluster stays level.
   */
  ORCH_STICKY_SLACK: z.coerce.number().min(0).max(1).default(0.1),
  /** Nodes at or over this load take nobody (0..1). */
  ORCH_OVERLOAD_THRESHOLD: fraction(0.9),
  ORCH_WEIGHT_CPU: weight(0.4),
  ORCH_WEIGHT_STREAMS: weight(0.4),
  ORCH_WEIGHT_BANDWIDTH: weight(0.2),
  /** A room's worker is kept only while at most this much above the node's least loaded. */
  ORCH_WORKER_STICKINESS_SLACK: z.coerce.number().min(0).max(1).default(0),
};

export const PlacementConfigSchema = z
  .object(PlacementEnv)
  .refine((c) => c.ORCH_STICKY_THRESHOLD <= c.ORCH_OVERLOAD_THRESHOLD, {
    message: 'must not exceed ORCH_OVERLOAD_THRESHOLD',
    path: ['ORCH_STICKY_THRESHOLD'],
  });
export type PlacementConfig = z.output<typeof PlacementConfigSchema>;

export function placementSettings(
  config: PlacementConfig,
  model: MediaModel = MEDIA_MODEL,
): PlacementSettings {
  return {
    stickyThreshold: config.ORCH_STICKY_THRESHOLD,
    stickySlack: config.ORCH_STICKY_SLACK,
    overloadThreshold: config.ORCH_OVERLOAD_THRESHOLD,
    weights: {
      cpu: config.ORCH_WEIGHT_CPU,
      streams: config.ORCH_WEIGHT_STREAMS,
      bandwidth: config.ORCH_WEIGHT_BANDWIDTH,
    },
    streamsPerParticipant: model.streamsPerParticipant,
    lastN: model.lastN,
    bitratePerStreamBps: model.bitratePerStreamBps,
    workerStickinessSlack: config.ORCH_WORKER_STICKINESS_SLACK,
    reservationSettleMs: 1_000,
    reservationMaxAgeMs: 10_000,
  };
}

export interface PlacementSettings {
  /** A room keeps using a node while the node's load is under this (0..1). */
  stickyThreshold: number;
  /**
   * ...and while the node's load is at most this much above the load of the node the newcomer
   * would get otherwise (0..1): a room saves pipes by staying on few nodes, but does not keep
   * filling a node far above the rest of the cluster.
   */
  stickySlack: number;
  /** Nodes at or over this load (0..1) take nobody. */
  overloadThreshold: number;
  weights: { cpu: number; streams: number; bandwidth: number };
  /** Streams one participant publishes, and one receiver consumes of it (`MEDIA_MODEL`). */
  streamsPerParticipant: number;
  /**
   * Most other participants one participant receives (`MEDIA_MODEL.lastN`): in a room larger
   * than this, a newcomer consumes `lastN` participants and takes the place of someone in the
   * others' last-N instead of adding to it.
   */
  lastN: number;
  /** Outgoing bitrate of one consumed stream (`MEDIA_MODEL`), for bandwidth reservations. */
  bitratePerStreamBps: number;
  /**
   * Within a node, a worker the room already uses is preferred (no pipe between workers) only
   * while its load is at most this much above the node's least loaded worker (0..1).
   */
  workerStickinessSlack: number;
  /** A reservation stops counting once a heartbeat sent this long after it arrives. */
  reservationSettleMs: number;
  /** ...and in any case after this long. */
  reservationMaxAgeMs: number;
}

/** The orchestrator's defaults (no environment) with the product's media model. */
export const DEFAULT_PLACEMENT: Readonly<PlacementSettings> = Object.freeze(
  placementSettings(PlacementConfigSchema.parse({})),
);
