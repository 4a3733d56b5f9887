import type { PublicProfile, Room } from '@cascade/contracts';
import { Badge, Box, Card, Flex, Heading, Skeleton, Text, VisuallyHidden } from '@radix-ui/themes';
import { LockClosedIcon, PersonIcon } from '@radix-ui/react-icons';
import { useId } from 'react';
import { Link } from 'react-router';

import { UserAvatar } from '../../ui/UserAvatar';
import { languageName } from './languages';

export function isFull(room: Pick<Room, 'participantCount' | 'capacity'>): boolean {
  return room.participantCount >= room.capacity;
}

/** One room in the lobby: what it is about, how full it is, and a few faces inside. */
export function RoomCard({
  room,
  profiles,
}: {
  room: Room;
  profiles: Map<string, PublicProfile> | undefined;
}) {
  const full = isFull(room);
  const people = room.previewUserIds.map((id) => profiles?.get(id)).filter((p) => p !== undefined);
  const others = room.participantCount - people.length;
  const descriptionId = useId();
  // The link is named by what it shows (title, language, topic, count: WCAG 2.5.3, label in
  // name); the count in words is its description, outside it so as not to split the name.
  return (
    <>
      <Card asChild size="2" style={{ height: '100%' }}>
        <Link to={`/rooms/${room.id}`} aria-describedby={descriptionId}>
          <Flex direction="column" gap="3" height="100%">
            <Flex justify="between" align="start" gap="2">
              <Heading as="h3" size="4" style={{ overflowWrap: 'anywhere' }}>
                {room.title}
              </Heading>
              {room.visibility === 'private' && (
                <LockClosedIcon aria-label="Private room" style={{ flexShrink: 0 }} />
              )}
            </Flex>
            <Flex gap="2" wrap="wrap">
              <Badge color="gray" variant="soft">
                {languageName(room.language)}
              </Badge>
              {room.topic && (
                <Badge color="indigo" variant="soft">
                  {room.topic}
                </Badge>
              )}
              {full && (
                <Badge color="red" variant="solid">
                  Full
                </Badge>
              )}
            </Flex>
            <Flex mt="auto" justify="between" align="center" gap="2">
              <Flex aria-hidden="true">
                {people.map((p, i) => (
                  <Box
                    key={p.id}
                    ml={i === 0 ? '0' : '-2'}
                    style={{ borderRadius: '50%', boxShadow: '0 0 0 2px var(--color-panel-solid)' }}
                  >
                    <UserAvatar name={p.displayName} src={p.avatarUrl} size="2" decorative />
                  </Box>
                ))}
                {others > 0 && people.length > 0 && (
                  <Text size="1" color="gray" ml="2" style={{ alignSelf: 'center' }}>
                    +{others}
                  </Text>
                )}
              </Flex>
              <Flex align="center" gap="1" data-testid="room-count">
                <PersonIcon aria-hidden="true" />
                <Text size="2" color={full ? 'red' : 'gray'}>
                  {room.participantCount} / {room.capacity}
                </Text>
              </Flex>
            </Flex>
          </Flex>
        </Link>
      </Card>
      <VisuallyHidden id={descriptionId}>
        {countLabel(room)}
        {full ? ', full' : ''}
      </VisuallyHidden>
    </>
  );
}

function countLabel(room: Room): string {
  return `${room.participantCount} of ${room.capacity} people in the room`;
}

export function RoomCardSkeleton() {
  return (
    <Card size="2">
      <Flex direction="column" gap="3">
        <Skeleton height="24px" width="70%" />
        <Skeleton height="20px" width="40%" />
        <Skeleton height="32px" />
      </Flex>
    </Card>
  );
}
