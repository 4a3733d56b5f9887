import { type ClientView, VIEW_MAX_VISIBLE, layerForSize } from '@cascade/contracts';

import type { Tile } from './tiles';

/** A tile's drawn size in CSS pixels, by tile key (`camera:<id>`, `screen:<id>`). */
export type TileSizes = ReadonlyMap<string, { width: number; height: number }>;

/**
 * The view the server is told (`client.setView`): the remote participants the page draws, each
 * at the size of its largest tile (a screen share counts for its sharer), in page order, and
 * `lastN` as many as are drawn (at least one: a speaker off the page may still flow, small).
 * A tile not measured yet counts as small (the lowest layer) until it is.
 */
export function viewOf(
  tiles: readonly Tile[],
  sizes: TileSizes,
  selfId: string | null,
): ClientView {
  const byParticipant = new Map<string, { width: number; height: number }>();
  for (const tile of tiles) {
    if (tile.participantId === selfId) continue;
    const size = sizes.get(tile.key) ?? { width: 0, height: 0 };
    const seen = byParticipant.get(tile.participantId);
    const clamp = (v: number) => Math.min(8_192, Math.max(0, Math.round(v)));
    byParticipant.set(tile.participantId, {
      width: clamp(Math.max(size.width, seen?.width ?? 0)),
      height: clamp(Math.max(size.height, seen?.height ?? 0)),
    });
  }
  const visible = [...byParticipant]
    .slice(0, VIEW_MAX_VISIBLE)
    .map(([participantId, size]) => ({ participantId, ...size }));
  return { visible, lastN: Math.max(1, visible.length) };
}

/**
 * What of a view matters to the server: who, in which order, at which layer. Tiles resized
 * within one layer's range give the same key, so a window being dragged sends nothing.
 */
export function viewKey(view: ClientView): string {
  return `${view.lastN}|${view.visible
    .map((t) => `${t.participantId}@${layerForSize(t.width, t.height)}`)
    .join(',')}`;
}
