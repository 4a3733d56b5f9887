/**
 * Which tiles the grid shows, as a pure function of the room: one tile per participant (self
 * first unless hidden), a screen share as its own tile at the front, the pinned participant and
 * the active speaker brought onto the first page, pages of at most `perPage`.
 *
 * The visible tiles of the current page are the one value that decides what is subscribed
 * (`visibleParticipantIds`), which the view API of the large-rooms work can take as it is.
 */
export interface TileInput {
  participantId: string;
  displayName: string;
  isSelf: boolean;
  /** When this participant joined (earlier first, for a stable order). */
  joinedAt: number;
  hasScreen: boolean;
}

export type Tile =
  | { kind: 'camera'; key: string; participantId: string }
  | { kind: 'screen'; key: string; participantId: string };

export interface TileLayoutInput {
  participants: TileInput[];
  perPage: number;
  page: number;
  activeSpeakerId?: string | null;
  pinnedId?: string | null;
  hideSelf?: boolean;
}

export interface TileLayout {
  tiles: Tile[];
  page: number;
  pageCount: number;
  /** Participants whose video the current page draws. */
  visibleParticipantIds: string[];
}

/** At most 25 tiles a page on a desktop, fewer on narrower screens. */
export function tilesPerPage(width: number): number {
  if (width < 480) return 4;
  if (width < 768) return 6;
  if (width < 1200) return 16;
  return 25;
}

export function layoutTiles(input: TileLayoutInput): TileLayout {
  const perPage = Math.max(1, Math.floor(input.perPage));
  const people = input.participants
    .filter((p) => !(input.hideSelf && p.isSelf))
    .sort((a, b) => Number(b.isSelf) - Number(a.isSelf) || a.joinedAt - b.joinedAt);

  // Pinned first, then the active speaker, then everyone else in their order.
  const front = [input.pinnedId, input.activeSpeakerId].filter(
    (id, i, all): id is string => typeof id === 'string' && all.indexOf(id) === i,
  );
  const ordered = [
    ...front
      .map((id) => people.find((p) => p.participantId === id))
      .filter((p): p is TileInput => p !== undefined),
    ...people.filter((p) => !front.includes(p.participantId)),
  ];
  // The one who is self stays first when nobody is pinned or speaking... unless the speaker.
  const tiles: Tile[] = [
    ...people
      .filter((p) => p.hasScreen)
      .map((p) => ({
        kind: 'screen' as const,
        key: `screen:${p.participantId}`,
        participantId: p.participantId,
      })),
    ...ordered.map((p) => ({
      kind: 'camera' as const,
      key: `camera:${p.participantId}`,
      participantId: p.participantId,
    })),
  ];
  const pageCount = Math.max(1, Math.ceil(tiles.length / perPage));
  const page = Math.min(Math.max(0, input.page), pageCount - 1);
  const shown = tiles.slice(page * perPage, (page + 1) * perPage);
  return {
    tiles: shown,
    page,
    pageCount,
    visibleParticipantIds: [...new Set(shown.map((t) => t.participantId))],
  };
}
