import { parseScalabilityMode } from 'mediasoup-client';

import type { RemoteTrackInfo } from '../types';

/** How many spatial and temporal layers a consumer's stream has. */
export interface LayerSpace {
  spatialLayers: number;
  temporalLayers: number;
}

/**
 * The layers of a consumer, from its RTP parameters: a simulcast or SVC consumer's single
 * encoding names them in `scalabilityMode` (mediasoup writes `L<spatial>T<temporal>`, with the
 * simulcast streams as spatial layers); anything else has one of each.
 */
export function layerSpaceOf(rtpParameters: {
  encodings?: Array<{ scalabilityMode?: string }>;
}): LayerSpace {
  return parseScalabilityMode(rtpParameters.encodings?.[0]?.scalabilityMode);
}

/**
 * The layers to ask for: `spatial` and `temporal` clamped into the stream's layer space
 * (0 = lowest; a number past the top means the top). Without `temporal` the SFU picks the
 * highest temporal layer of the spatial one.
 */
export function chooseLayers(
  space: LayerSpace,
  spatial: number,
  temporal?: number,
): { spatialLayer: number; temporalLayer?: number } {
  const clamp = (value: number, layers: number): number =>
    Math.min(Math.max(0, Math.floor(Number.isFinite(value) ? value : 0)), Math.max(0, layers - 1));
  const spatialLayer = clamp(spatial, space.spatialLayers);
  return temporal === undefined
    ? { spatialLayer }
    : { spatialLayer, temporalLayer: clamp(temporal, space.temporalLayers) };
}

/**
 * The spatial layer to ask for to fill a view `viewHeight` pixels high, when the top layer is
 * `sourceHeight` high and each layer below it is half the one above (the camera's simulcast):
 * the lowest layer at least as high as the view, or the top one.
 */
export function spatialLayerForHeight(
  viewHeight: number,
  sourceHeight: number,
  space: LayerSpace,
): number {
  const top = Math.max(0, space.spatialLayers - 1);
  for (let layer = 0; layer < top; layer++) {
    if (sourceHeight / 2 ** (top - layer) >= viewHeight) return layer;
  }
  return top;
}

/**
 * The tracks `id` names for a layer choice: the track of that consumer id, or else every video
 * track of the participant with that id.
 */
export function layerTargets(tracks: Iterable<RemoteTrackInfo>, id: string): RemoteTrackInfo[] {
  const all = [...tracks];
  const byConsumer = all.find((track) => track.consumerId === id);
  if (byConsumer) return [byConsumer];
  return all.filter((track) => track.participantId === id && track.kind === 'video');
}
