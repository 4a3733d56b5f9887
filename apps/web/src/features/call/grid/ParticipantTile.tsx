import type { Quality } from '@cascade/client';
import { Box, Flex, IconButton, Text, Tooltip } from '@radix-ui/themes';
import { DrawingPinFilledIcon, DrawingPinIcon } from '@radix-ui/react-icons';

import { UserAvatar } from '../../../ui/UserAvatar';
import { MicIcon } from '../controls/icons';
import type { CallParticipant } from '../hooks/call-model';
import { useMeasured } from './use-measured';
import { VideoView } from './VideoView';

/** One tile: video or an avatar, the name, the muted microphone, who is speaking, pin. */
export function ParticipantTile({
  participant,
  kind,
  speaking,
  pinned,
  onPin,
  avatarUrl,
  quality,
  onSize,
}: {
  participant: CallParticipant;
  kind: 'camera' | 'screen';
  speaking: boolean;
  pinned: boolean;
  onPin: () => void;
  avatarUrl: string | undefined;
  quality?: Quality | undefined;
  /** The tile's drawn size as it changes (the server sends the layer that fits it). */
  onSize?: ((size: { width: number; height: number }) => void) | undefined;
}) {
  const measured = useMeasured<HTMLElement>(onSize);
  const track =
    kind === 'screen'
      ? participant.screenTrack
      : participant.cameraOn
        ? participant.cameraTrack
        : null;
  const name = participant.isSelf ? `${participant.displayName} (you)` : participant.displayName;
  const label = kind === 'screen' ? `${participant.displayName}'s screen` : name;
  return (
    <Box
      asChild
      position="relative"
      style={{
        borderRadius: 'var(--radius-4)',
        overflow: 'hidden',
        background: 'var(--gray-12)',
        outline: speaking ? '3px solid var(--green-9)' : '1px solid var(--gray-a5)',
        outlineOffset: speaking ? -3 : -1,
        minHeight: 0,
      }}
    >
      <figure
        ref={measured}
        aria-label={label}
        data-participant={participant.participantId}
        data-kind={kind}
        data-speaking={speaking ? 'true' : undefined}
        style={{ margin: 0 }}
      >
        {track ? (
          <VideoView
            track={track}
            mirror={participant.isSelf && kind === 'camera'}
            fit={kind === 'screen' ? 'contain' : 'cover'}
            label={`${label} video`}
          />
        ) : (
          <Flex align="center" justify="center" height="100%" style={{ aspectRatio: '16 / 9' }}>
            <UserAvatar name={participant.displayName} src={avatarUrl} size="6" decorative />
          </Flex>
        )}
        <Flex
          position="absolute"
          bottom="2"
          left="2"
          right="2"
          align="center"
          justify="between"
          gap="2"
        >
          <Flex
            asChild
            align="center"
            gap="1"
            px="2"
            py="1"
            style={{
              background: 'rgba(0,0,0,0.55)',
              borderRadius: 'var(--radius-2)',
              color: 'white',
              maxWidth: '100%',
            }}
          >
            <figcaption>
              {kind === 'camera' && participant.micMuted && (
                <span
                  role="img"
                  aria-label="Microphone muted"
                  style={{ display: 'inline-flex', color: 'var(--red-9)' }}
                >
                  <MicIcon off />
                </span>
              )}
              <Text size="1" weight="medium" truncate>
                {label}
              </Text>
              {kind === 'camera' && quality && <QualityMark quality={quality} />}
              {speaking && kind === 'camera' && (
                <Flex align="center" gap="1" style={{ flexShrink: 0 }}>
                  <span
                    aria-hidden="true"
                    style={{ width: 8, height: 8, borderRadius: 4, background: 'var(--green-9)' }}
                  />
                  <Text size="1">Speaking</Text>
                </Flex>
              )}
            </figcaption>
          </Flex>
          {kind === 'camera' && (
            <Tooltip content={pinned ? 'Unpin' : 'Pin'}>
              <IconButton
                size="1"
                variant="solid"
                color="gray"
                highContrast
                aria-pressed={pinned}
                aria-label={
                  pinned ? `Unpin ${participant.displayName}` : `Pin ${participant.displayName}`
                }
                onClick={onPin}
              >
                {pinned ? <DrawingPinFilledIcon /> : <DrawingPinIcon />}
              </IconButton>
            </Tooltip>
          )}
        </Flex>
      </figure>
    </Box>
  );
}

const BARS: Record<Quality, number> = { excellent: 3, good: 2, poor: 1, lost: 0 };
const QUALITY_LABEL: Record<Quality, string> = {
  excellent: 'Connection excellent',
  good: 'Connection good',
  poor: 'Connection poor',
  lost: 'Connection lost',
};

/** Three bars: how well this participant's media gets through. */
function QualityMark({ quality }: { quality: Quality }) {
  const bars = BARS[quality];
  const colour = quality === 'poor' || quality === 'lost' ? 'var(--red-9)' : 'white';
  return (
    <span
      role="img"
      aria-label={QUALITY_LABEL[quality]}
      style={{ display: 'inline-flex', alignItems: 'flex-end', gap: 1, height: 10, flexShrink: 0 }}
    >
      {[1, 2, 3].map((bar) => (
        <span
          key={bar}
          style={{
            width: 3,
            height: 3 + bar * 2,
            borderRadius: 1,
            background: bar <= bars ? colour : 'rgba(255,255,255,0.35)',
          }}
        />
      ))}
    </span>
  );
}
