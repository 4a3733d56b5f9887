import { Button, Dialog, Flex, ScrollArea, Text } from '@radix-ui/themes';
import { CheckIcon } from '@radix-ui/react-icons';
import { type ReactNode, useState } from 'react';

import { describeError } from '../../lib/api/errors';
import { EmptyState, ErrorState } from '../../ui/States';
import { UserAvatar } from '../../ui/UserAvatar';
import { useFriends } from '../friends/api';
import { useInvite } from './api';

/** Invite friends to a room: pick one, they get a notification at once. */
export function InviteDialog({
  roomId,
  roomTitle,
  children,
}: {
  roomId: string;
  roomTitle: string;
  children: ReactNode;
}) {
  return (
    <Dialog.Root>
      <Dialog.Trigger>{children}</Dialog.Trigger>
      <Dialog.Content maxWidth="440px">
        <Dialog.Title>Invite friends</Dialog.Title>
        <Dialog.Description size="2" color="gray" mb="3">
          to {roomTitle}
        </Dialog.Description>
        <FriendPicker roomId={roomId} />
        <Flex justify="end" mt="4">
          <Dialog.Close>
            <Button variant="soft" color="gray">
              Done
            </Button>
          </Dialog.Close>
        </Flex>
      </Dialog.Content>
    </Dialog.Root>
  );
}

function FriendPicker({ roomId }: { roomId: string }) {
  const friends = useFriends();
  const invite = useInvite(roomId);
  const [sent, setSent] = useState<Set<string>>(new Set());
  const [failed, setFailed] = useState<{ userId: string; message: string } | null>(null);
  if (friends.isPending) return <Text color="gray">Loading friends…</Text>;
  if (friends.isError)
    return <ErrorState error={friends.error} onRetry={() => void friends.refetch()} />;
  if (friends.data.length === 0) {
    return (
      <EmptyState title="No friends to invite">
        Add friends from a room's people list first.
      </EmptyState>
    );
  }
  return (
    <ScrollArea type="auto" style={{ maxHeight: 360 }}>
      <Flex asChild direction="column" gap="2">
        <ul aria-label="Friends to invite" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
          {friends.data.map(({ user, room }) => {
            const done = sent.has(user.id) || room?.roomId === roomId;
            return (
              <Flex asChild key={user.id} align="center" gap="3">
                <li>
                  <UserAvatar name={user.displayName} src={user.avatarUrl} decorative />
                  <Flex direction="column" flexGrow="1" minWidth="0">
                    <Text size="2" weight="medium" truncate>
                      {user.displayName}
                    </Text>
                    {failed?.userId === user.id && (
                      <Text size="1" color="red" role="alert">
                        {failed.message}
                      </Text>
                    )}
                  </Flex>
                  <Button
                    size="1"
                    variant={done ? 'soft' : 'solid'}
                    disabled={done}
                    loading={invite.isPending && invite.variables === user.id}
                    aria-label={done ? `${user.displayName} invited` : `Invite ${user.displayName}`}
                    onClick={() =>
                      invite.mutate(user.id, {
                        onSuccess: () => {
                          setFailed(null);
                          setSent((s) => new Set(s).add(user.id));
                        },
                        onError: (error) =>
                          setFailed({ userId: user.id, message: describeError(error) }),
                      })
                    }
                  >
                    {done ? (
                      <>
                        <CheckIcon /> {room?.roomId === roomId ? 'Here' : 'Invited'}
                      </>
                    ) : (
                      'Invite'
                    )}
                  </Button>
                </li>
              </Flex>
            );
          })}
        </ul>
      </Flex>
    </ScrollArea>
  );
}
