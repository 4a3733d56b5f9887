import { z } from 'zod';

import { MediaObjectId, ParticipantId } from '../ids';
import { LastN } from '../media-model';

/**
 * What a client shows, so that the server forwards only that video (`room.setView`): the
 * participants on screen, each with the size its tile is drawn at (CSS pixels), and its last-N.
 *
 * The server then lets flow, of this client's video consumers, those of at most `lastN`
 * participants: the `visible` ones first (in the order given), then the room's most recent
 * active speakers; each at the simulcast layer its drawn size asks for ({@link layerForSize};
 * a speaker not on screen at the lowest). Every other video consumer is paused on its SFU node
 * (no bytes flow) until a later view or speaker wants it. Audio is not affected. A client that
 * never sets a view receives, as before, video of up to `DEFAULT_LAST_N` participants (recent
 * speakers first, then by when they joined).
 */

/** Most participants a view names. */
export const VIEW_MAX_VISIBLE = 100;
/** Largest drawn width or height, in CSS pixels. */
export const VIEW_MAX_EDGE = 8_192;

const Edge = z.number().int().min(0).max(VIEW_MAX_EDGE);

/** One tile on screen: whose video, at which drawn size. */
export const VisibleTile = z
  .object({ participantId: ParticipantId, width: Edge, height: Edge })
  .strict();
export type VisibleTile = z.infer<typeof VisibleTile>;

/** The payload of `room.setView` (and the SDK's `setView`). */
export const ClientView = z
  .object({
    visible: z
      .array(VisibleTile)
      .max(VIEW_MAX_VISIBLE)
      .refine(
        (tiles) => new Set(tiles.map((t) => t.participantId)).size === tiles.length,
        'each participant at most once',
      ),
    lastN: LastN,
  })
  .strict();
export type ClientView = z.infer<typeof ClientView>;

/** What `room.setView` answers: how many participants' video now flows, and how many paused. */
export const SetViewResult = z.object({
  /** Participants whose video flows to this client now (visible and speakers, up to lastN). */
  flowing: z.array(ParticipantId),
  /** Video consumers of this client paused by the view. */
  paused: z.number().int().nonnegative(),
});
export type SetViewResult = z.infer<typeof SetViewResult>;

/** Drawn heights up to which each simulcast spatial layer is enough (layer 0, then 1; above: 2). */
export const LAYER_MAX_HEIGHTS = [180, 360] as const;

/**
 * The simulcast spatial layer that fits a tile drawn at `width`×`height`: the tile's height, or
 * the height a 16:9 picture as wide as the tile has, whichever is larger (a portrait tile does
 * not starve a landscape camera). Up to 180 → 0, up to 360 → 1, above → 2. A node clamps to the
 * layers a stream has.
 */
export function layerForSize(width: number, height: number): number {
  const edge = Math.max(height, Math.ceil((width * 9) / 16));
  const layer = LAYER_MAX_HEIGHTS.findIndex((max) => edge <= max);
  return layer === -1 ? LAYER_MAX_HEIGHTS.length : layer;
}

/** The highest spatial layer a view asks for ({@link layerForSize}); a node clamps to a stream's. */
export const MAX_SPATIAL_LAYER = LAYER_MAX_HEIGHTS.length;

/**
 * Dynacast (`producer.layers`, to the publisher): the highest simulcast spatial layer of one of
 * its producers that some consumer in the room wants, `null` when none wants any. Layers above
 * it are switched off at the source (the client's encodings, lowest first, by index).
 */
export const ProducerLayers = z
  .object({
    producerId: MediaObjectId,
    maxSpatialLayer: z.number().int().min(0).max(MAX_SPATIAL_LAYER).nullable(),
  })
  .strict();
export type ProducerLayers = z.infer<typeof ProducerLayers>;
