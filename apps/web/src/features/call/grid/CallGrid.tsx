import { Box, Flex, IconButton, Text } from '@radix-ui/themes';
import { ChevronLeftIcon, ChevronRightIcon } from '@radix-ui/react-icons';
import type { Quality } from '@cascade/client';
import type { PublicProfile } from '@cascade/contracts';

import type { CallParticipant } from '../hooks/call-model';
import { ParticipantTile } from './ParticipantTile';
import type { TileLayout } from './tiles';

/**
 * The tiles of the current page: a grid, or the speaker layout (the first tile large, the
 * others in a strip). Pages when there are more people than fit.
 */
export function CallGrid({
  layout,
  mode,
  participants,
  speakerId,
  pinnedId,
  onPin,
  onPage,
  profiles,
  quality,
  onTileSize,
}: {
  layout: TileLayout;
  mode: 'grid' | 'speaker';
  participants: CallParticipant[];
  speakerId: string | null;
  pinnedId: string | null;
  onPin: (participantId: string) => void;
  onPage: (page: number) => void;
  profiles: Map<string, PublicProfile> | undefined;
  quality: Map<string, Quality>;
  /** A tile's drawn size, by tile key, as it changes. */
  onTileSize?: (key: string, size: { width: number; height: number }) => void;
}) {
  const byId = new Map(participants.map((p) => [p.participantId, p]));
  const tiles = layout.tiles
    .map((tile) => ({ tile, participant: byId.get(tile.participantId) }))
    .filter(
      (t): t is { tile: (typeof layout.tiles)[number]; participant: CallParticipant } =>
        t.participant !== undefined,
    );
  const columns = Math.ceil(Math.sqrt(tiles.length));
  const render = (entry: (typeof tiles)[number]) => (
    <ParticipantTile
      key={entry.tile.key}
      participant={entry.participant}
      kind={entry.tile.kind}
      speaking={entry.tile.kind === 'camera' && speakerId === entry.participant.participantId}
      pinned={pinnedId === entry.participant.participantId}
      onPin={() => onPin(entry.participant.participantId)}
      avatarUrl={profiles?.get(entry.participant.userId)?.avatarUrl}
      quality={quality.get(entry.participant.participantId)}
      onSize={onTileSize && ((size) => onTileSize(entry.tile.key, size))}
    />
  );
  const [first, ...rest] = tiles;
  return (
    <Flex direction="column" gap="2" height="100%" minHeight="0">
      {mode === 'speaker' && first ? (
        <Flex direction="column" gap="2" height="100%" minHeight="0">
          <Box flexGrow="1" minHeight="0" style={{ display: 'grid' }}>
            {render(first)}
          </Box>
          {rest.length > 0 && (
            <Box
              asChild
              style={{
                display: 'grid',
                gridAutoFlow: 'column',
                gridAutoColumns: 'minmax(140px, 200px)',
                gap: 8,
                overflowX: 'auto',
              }}
            >
              <section aria-label="Others">{rest.map(render)}</section>
            </Box>
          )}
        </Flex>
      ) : (
        <Box
          className="cascade-grid"
          flexGrow="1"
          minHeight="0"
          style={{
            display: 'grid',
            gap: 8,
            gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))`,
            alignContent: 'center',
          }}
        >
          {tiles.map(render)}
        </Box>
      )}
      {layout.pageCount > 1 && (
        <Flex align="center" justify="center" gap="3" aria-label="Pages">
          <IconButton
            variant="soft"
            aria-label="Previous page"
            disabled={layout.page === 0}
            onClick={() => onPage(layout.page - 1)}
          >
            <ChevronLeftIcon />
          </IconButton>
          <Text size="2" aria-live="polite">
            Page {layout.page + 1} of {layout.pageCount}
          </Text>
          <IconButton
            variant="soft"
            aria-label="Next page"
            disabled={layout.page >= layout.pageCount - 1}
            onClick={() => onPage(layout.page + 1)}
          >
            <ChevronRightIcon />
          </IconButton>
        </Flex>
      )}
    </Flex>
  );
}
