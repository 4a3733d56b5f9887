import type { ParticipantInfo } from '@cascade/contracts';
import { Badge, Button, Callout, Card, Flex, Heading, Spinner, Text } from '@radix-ui/themes';
import { ExitIcon } from '@radix-ui/react-icons';
import { Link, useNavigate, useParams } from 'react-router';

import { describeError } from '../../lib/api/errors';
import { UserAvatar } from '../../ui/UserAvatar';
import { useMe } from '../auth/use-session';
import { UserChip } from '../friends/UserCard';
import { InviteDialog } from '../invitations/InviteDialog';
import { useRoom } from '../rooms/api';
import { usePublicProfiles } from '../users/api';
import { useCall } from './use-call';

/**
 * The room's call. This first version puts the user in the room (presence, who is here,
 * invitations, leaving on close); camera, microphone and the grid come with the call issue.
 */
export default function CallPage() {
  const { roomId = '' } = useParams();
  const navigate = useNavigate();
  const me = useMe();
  const room = useRoom(roomId);
  const call = useCall(roomId);
  const others = call.room?.participants ?? [];
  const profiles = usePublicProfiles(others.map((p) => p.userId));
  const title = room.data?.title ?? 'Room';

  if (call.phase === 'failed' || call.phase === 'removed' || call.phase === 'left') {
    return (
      <Flex direction="column" align="center" gap="4" py="9">
        <Heading as="h1" size="6">
          {call.phase === 'left'
            ? `You left ${title}`
            : call.phase === 'removed'
              ? `You were removed from ${title}`
              : `Could not join ${title}`}
        </Heading>
        {call.phase === 'failed' && (
          <Callout.Root color="red" role="alert">
            <Callout.Text>{describeError(call.error)}</Callout.Text>
          </Callout.Root>
        )}
        <Flex gap="3">
          <Button onClick={() => void navigate(0)}>Rejoin</Button>
          <Button variant="soft" asChild>
            <Link to="/">Back to rooms</Link>
          </Button>
        </Flex>
      </Flex>
    );
  }

  return (
    <Flex direction="column" gap="4">
      <Flex justify="between" align="center" wrap="wrap" gap="3">
        <Flex direction="column">
          <Heading as="h1" size="6">
            {title}
          </Heading>
          <Text size="2" color="gray" role="status">
            {call.phase === 'joining' ? 'Joining…' : `In the call · ${others.length + 1} here`}
          </Text>
        </Flex>
        <Flex gap="2">
          <InviteDialog roomId={roomId} roomTitle={title}>
            <Button variant="soft">Invite</Button>
          </InviteDialog>
          <Button
            color="red"
            onClick={() => void call.leave().then(() => navigate(`/rooms/${roomId}`))}
          >
            <ExitIcon /> Leave
          </Button>
        </Flex>
      </Flex>
      {call.connection === 'reconnecting' && (
        <Callout.Root color="amber" role="status">
          <Callout.Text>Connection lost. Reconnecting…</Callout.Text>
        </Callout.Root>
      )}
      {call.phase === 'joining' ? (
        <Flex justify="center" py="9">
          <Spinner size="3" />
        </Flex>
      ) : (
        <Card size="3">
          <Heading as="h2" size="3" mb="3">
            People
          </Heading>
          <Flex asChild direction="column" gap="2">
            <ul
              aria-label="People in the call"
              style={{ listStyle: 'none', margin: 0, padding: 0 }}
            >
              <li>
                <Flex align="center" gap="2" p="1">
                  <UserAvatar name={me.displayName} src={me.avatarUrl} decorative />
                  <Text size="2" weight="medium">
                    {me.displayName}
                  </Text>
                  <Badge variant="soft">You</Badge>
                </Flex>
              </li>
              {others.map((p: ParticipantInfo) => {
                const profile = profiles.data?.get(p.userId);
                return (
                  <li key={p.participantId}>
                    <UserChip
                      user={profile ?? { id: p.userId, displayName: p.displayName, avatarUrl: '' }}
                    />
                  </li>
                );
              })}
            </ul>
          </Flex>
        </Card>
      )}
    </Flex>
  );
}
