import type { PublicProfile } from '@cascade/contracts';
import { Button, Flex, Popover, Text } from '@radix-ui/themes';
import { CheckIcon, PersonIcon, PlusIcon } from '@radix-ui/react-icons';

import { describeError } from '../../lib/api/errors';
import { useToast } from '../../ui/Toaster';
import { UserAvatar } from '../../ui/UserAvatar';
import { useMe } from '../auth/use-session';
import { useRelation, useSendFriendRequest } from './api';

/**
 * A person (in a room's list, say): their name and picture; clicking opens their card with
 * "Add friend" when we are not friends yet.
 */
export function UserChip({ user, suffix }: { user: PublicProfile; suffix?: string }) {
  return (
    <Popover.Root>
      <Popover.Trigger>
        <Button
          variant="ghost"
          color="gray"
          size="2"
          style={{ height: 'auto', padding: 4 }}
          aria-label={`${user.displayName}${suffix ? ` ${suffix}` : ''}, open card`}
        >
          <Flex align="center" gap="2">
            <UserAvatar name={user.displayName} src={user.avatarUrl} size="2" decorative />
            <Text size="2" weight="medium" highContrast>
              {user.displayName}
            </Text>
            {suffix && (
              <Text size="1" color="gray">
                {suffix}
              </Text>
            )}
          </Flex>
        </Button>
      </Popover.Trigger>
      <Popover.Content size="2" maxWidth="300px" aria-label={`${user.displayName}'s card`}>
        <UserCard user={user} />
      </Popover.Content>
    </Popover.Root>
  );
}

export function UserCard({ user }: { user: PublicProfile }) {
  const me = useMe();
  const relation = useRelation(user.id, me.id);
  const send = useSendFriendRequest();
  const toast = useToast();
  return (
    <Flex direction="column" gap="3" align="center">
      <UserAvatar name={user.displayName} src={user.avatarUrl} size="5" decorative />
      <Text size="3" weight="bold">
        {user.displayName}
      </Text>
      {relation === 'me' && (
        <Text color="gray" size="2">
          This is you
        </Text>
      )}
      {relation === 'friend' && (
        <Text color="green" size="2">
          <CheckIcon aria-hidden="true" /> Friends
        </Text>
      )}
      {relation === 'requested' && (
        <Text color="gray" size="2">
          Friend request sent
        </Text>
      )}
      {(relation === 'none' || relation === 'requestedMe') && (
        <Button
          loading={send.isPending}
          onClick={() =>
            send.mutate(user.id, {
              onSuccess: (result) =>
                toast({
                  title:
                    result.status === 'accepted'
                      ? `You and ${user.displayName} are now friends`
                      : `Friend request sent to ${user.displayName}`,
                }),
              onError: (error) =>
                toast({
                  title: 'Could not send the request',
                  description: describeError(error),
                  tone: 'error',
                }),
            })
          }
        >
          {relation === 'requestedMe' ? <PersonIcon /> : <PlusIcon />}
          {relation === 'requestedMe' ? 'Accept friend request' : 'Add friend'}
        </Button>
      )}
    </Flex>
  );
}
