import { CascadeError } from '@cascade/contracts';
import { Badge, Button, Card, Flex, Heading, Skeleton, Text } from '@radix-ui/themes';
import { EnterIcon, LockClosedIcon, PersonIcon } from '@radix-ui/react-icons';
import { Link, useParams } from 'react-router';

import { EmptyState, ErrorState } from '../../ui/States';
import { UserChip } from '../friends/UserCard';
import { InviteDialog } from '../invitations/InviteDialog';
import { usePublicProfiles } from '../users/api';
import { useRoom, useRoomParticipants } from './api';
import { languageName } from './languages';
import { isFull } from './RoomCard';

/** A room's page: what it is, who is in it now, Join and Invite. */
export default function RoomPage() {
  const { roomId = '' } = useParams();
  const room = useRoom(roomId);
  const participants = useRoomParticipants(roomId, room.isSuccess);
  const userIds = [...new Set(participants.data?.participants.map((p) => p.userId) ?? [])];
  const profiles = usePublicProfiles(userIds);

  if (room.isPending) {
    return (
      <Flex direction="column" gap="3" aria-busy="true" aria-label="Loading room">
        <Skeleton height="36px" width="50%" />
        <Skeleton height="120px" />
      </Flex>
    );
  }
  if (room.isError) {
    if (
      room.error instanceof CascadeError &&
      (room.error.code === 'NOT_FOUND' || room.error.code === 'FORBIDDEN')
    ) {
      return (
        <EmptyState
          title="Room not found"
          action={
            <Button asChild variant="soft">
              <Link to="/">Back to rooms</Link>
            </Button>
          }
        >
          It may have been closed, or it is private and you have not been invited.
        </EmptyState>
      );
    }
    return <ErrorState error={room.error} onRetry={() => void room.refetch()} />;
  }

  const data = room.data;
  const full = isFull(data);
  return (
    <Flex direction="column" gap="5">
      <Flex direction="column" gap="2">
        <Flex align="center" gap="2">
          <Heading as="h1" size="7" style={{ overflowWrap: 'anywhere' }}>
            {data.title}
          </Heading>
          {data.visibility === 'private' && <LockClosedIcon aria-label="Private room" />}
        </Flex>
        <Flex gap="2" wrap="wrap" align="center">
          <Badge color="gray" variant="soft">
            {languageName(data.language)}
          </Badge>
          {data.topic && (
            <Badge color="indigo" variant="soft">
              {data.topic}
            </Badge>
          )}
          <Flex align="center" gap="1">
            <PersonIcon aria-hidden="true" />
            <Text
              size="2"
              color={full ? 'red' : 'gray'}
              aria-label={`${data.participantCount} of ${data.capacity} people in the room`}
            >
              {data.participantCount} / {data.capacity}
            </Text>
          </Flex>
          {full && <Badge color="red">Full</Badge>}
          {data.status === 'closed' && <Badge color="gray">Closed</Badge>}
        </Flex>
      </Flex>

      <Flex gap="3" wrap="wrap">
        <Button size="3" asChild disabled={full || data.status === 'closed'}>
          {full || data.status === 'closed' ? (
            <span aria-disabled="true">
              <EnterIcon /> {full ? 'Room is full' : 'Room is closed'}
            </span>
          ) : (
            <Link to={`/rooms/${data.id}/call`}>
              <EnterIcon /> Join
            </Link>
          )}
        </Button>
        <InviteDialog roomId={data.id} roomTitle={data.title}>
          <Button size="3" variant="soft">
            Invite friends
          </Button>
        </InviteDialog>
      </Flex>

      <Card size="3">
        <Heading as="h2" size="4" mb="3">
          In the room now
        </Heading>
        {participants.isPending && <Skeleton height="40px" />}
        {participants.isError && (
          <ErrorState error={participants.error} onRetry={() => void participants.refetch()} />
        )}
        {participants.data && userIds.length === 0 && (
          <Text color="gray" size="2">
            Nobody yet. Be the first to join.
          </Text>
        )}
        {userIds.length > 0 && (
          <Flex asChild direction="column" gap="1">
            <ul
              aria-label="People in the room"
              style={{ listStyle: 'none', margin: 0, padding: 0 }}
            >
              {userIds.map((id) => {
                const profile = profiles.data?.get(id);
                return (
                  <li key={id}>
                    {profile ? (
                      <UserChip
                        user={profile}
                        suffix={id === data.ownerId ? '(host)' : undefined}
                      />
                    ) : (
                      <Skeleton height="32px" width="200px" />
                    )}
                  </li>
                );
              })}
            </ul>
          </Flex>
        )}
      </Card>
    </Flex>
  );
}
