import type { Friend, FriendRequest } from '@cascade/contracts';
import {
  Badge,
  Button,
  Dialog,
  DropdownMenu,
  Flex,
  IconButton,
  ScrollArea,
  Skeleton,
  Tabs,
  Text,
} from '@radix-ui/themes';
import { Cross2Icon, DotsHorizontalIcon } from '@radix-ui/react-icons';
import { type ReactNode, useState } from 'react';
import { useNavigate } from 'react-router';

import { describeError } from '../../lib/api/errors';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { EmptyState, ErrorState } from '../../ui/States';
import { useToast } from '../../ui/Toaster';
import { UserAvatar } from '../../ui/UserAvatar';
import {
  useAcceptFriendRequest,
  useCancelFriendRequest,
  useDeclineFriendRequest,
  useFriendRequests,
  useFriends,
  useRemoveFriend,
} from './api';

/** How many incoming friend requests wait (the header's badge). */
export function useIncomingRequestCount(): number {
  return useFriendRequests('incoming').data?.length ?? 0;
}

/**
 * The friends panel, reachable from every page: friends and where they are (Join when they
 * are in a room), incoming and outgoing requests.
 */
export function FriendsPanel({ trigger }: { trigger: ReactNode }) {
  const [open, setOpen] = useState(false);
  const incoming = useIncomingRequestCount();
  return (
    <Dialog.Root open={open} onOpenChange={setOpen}>
      <Dialog.Trigger>{trigger}</Dialog.Trigger>
      <Dialog.Content
        className="cascade-sheet"
        aria-describedby={undefined}
        size={{ initial: '2', sm: '3' }}
      >
        <Flex justify="between" align="center" mb="3">
          <Dialog.Title mb="0">Friends</Dialog.Title>
          <Dialog.Close>
            <IconButton variant="ghost" color="gray" aria-label="Close friends">
              <Cross2Icon />
            </IconButton>
          </Dialog.Close>
        </Flex>
        <Tabs.Root defaultValue={incoming > 0 ? 'requests' : 'friends'}>
          <Tabs.List>
            <Tabs.Trigger value="friends">Friends</Tabs.Trigger>
            <Tabs.Trigger value="requests">
              Requests
              {incoming > 0 && (
                <Badge
                  ml="2"
                  color="red"
                  variant="solid"
                  radius="full"
                  aria-label={`${incoming} waiting`}
                >
                  {incoming}
                </Badge>
              )}
            </Tabs.Trigger>
          </Tabs.List>
          <Tabs.Content value="friends">
            <FriendList onNavigate={() => setOpen(false)} />
          </Tabs.Content>
          <Tabs.Content value="requests">
            <Requests />
          </Tabs.Content>
        </Tabs.Root>
      </Dialog.Content>
    </Dialog.Root>
  );
}

function FriendList({ onNavigate }: { onNavigate: () => void }) {
  const friends = useFriends();
  if (friends.isPending) return <ListSkeleton />;
  if (friends.isError)
    return <ErrorState error={friends.error} onRetry={() => void friends.refetch()} />;
  if (friends.data.length === 0) {
    return (
      <EmptyState title="No friends yet">
        Open a room and click someone's name to send them a friend request.
      </EmptyState>
    );
  }
  const sorted = [...friends.data].sort(
    (a, b) => Number(b.room !== null) - Number(a.room !== null),
  );
  return (
    <ScrollArea type="auto" style={{ maxHeight: 'calc(100dvh - 140px)' }}>
      <Flex asChild direction="column" gap="1" mt="3">
        <ul aria-label="Friends" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
          {sorted.map((friend) => (
            <FriendRow key={friend.user.id} friend={friend} onNavigate={onNavigate} />
          ))}
        </ul>
      </Flex>
    </ScrollArea>
  );
}

function FriendRow({ friend, onNavigate }: { friend: Friend; onNavigate: () => void }) {
  const navigate = useNavigate();
  const remove = useRemoveFriend();
  const toast = useToast();
  const [confirm, setConfirm] = useState(false);
  const { user, room } = friend;
  return (
    <Flex asChild align="center" gap="3" py="2">
      <li aria-label={user.displayName}>
        <UserAvatar name={user.displayName} src={user.avatarUrl} decorative />
        <Flex direction="column" flexGrow="1" minWidth="0">
          <Text size="2" weight="medium" truncate>
            {user.displayName}
          </Text>
          <Text size="1" color={room ? 'green' : 'gray'} truncate>
            {room ? `In ${room.title}` : 'Not in a room'}
          </Text>
        </Flex>
        {room && (
          <Button
            size="1"
            aria-label={`Join ${user.displayName} in ${room.title}`}
            onClick={() => {
              onNavigate();
              void navigate(`/rooms/${room.roomId}/call`);
            }}
          >
            Join
          </Button>
        )}
        <DropdownMenu.Root>
          <DropdownMenu.Trigger>
            <IconButton
              size="1"
              variant="ghost"
              color="gray"
              aria-label={`More for ${user.displayName}`}
            >
              <DotsHorizontalIcon />
            </IconButton>
          </DropdownMenu.Trigger>
          <DropdownMenu.Content>
            <DropdownMenu.Item color="red" onSelect={() => setConfirm(true)}>
              Remove friend
            </DropdownMenu.Item>
          </DropdownMenu.Content>
        </DropdownMenu.Root>
        <ConfirmDialog
          open={confirm}
          onOpenChange={setConfirm}
          title={`Remove ${user.displayName}?`}
          description="You will no longer see where they are or invite each other."
          confirm="Remove"
          onConfirm={() =>
            remove.mutate(user.id, {
              onError: (error) =>
                toast({
                  title: 'Could not remove',
                  description: describeError(error),
                  tone: 'error',
                }),
            })
          }
        />
      </li>
    </Flex>
  );
}

function Requests() {
  const incoming = useFriendRequests('incoming');
  const outgoing = useFriendRequests('outgoing');
  if (incoming.isPending || outgoing.isPending) return <ListSkeleton />;
  if (incoming.isError)
    return <ErrorState error={incoming.error} onRetry={() => void incoming.refetch()} />;
  if (outgoing.isError)
    return <ErrorState error={outgoing.error} onRetry={() => void outgoing.refetch()} />;
  if (incoming.data.length === 0 && outgoing.data.length === 0) {
    return (
      <EmptyState title="No friend requests">Requests you send or receive show here.</EmptyState>
    );
  }
  return (
    <Flex direction="column" gap="4" mt="3">
      {incoming.data.length > 0 && (
        <RequestSection title="Received" requests={incoming.data} direction="incoming" />
      )}
      {outgoing.data.length > 0 && (
        <RequestSection title="Sent" requests={outgoing.data} direction="outgoing" />
      )}
    </Flex>
  );
}

function RequestSection({
  title,
  requests,
  direction,
}: {
  title: string;
  requests: FriendRequest[];
  direction: 'incoming' | 'outgoing';
}) {
  const headingId = `requests-${direction}`;
  return (
    <section aria-labelledby={headingId}>
      <Text as="div" id={headingId} size="1" weight="bold" color="gray" mb="1">
        {title}
      </Text>
      <Flex asChild direction="column" gap="1">
        <ul aria-labelledby={headingId} style={{ listStyle: 'none', margin: 0, padding: 0 }}>
          {requests.map((request) => (
            <RequestRow key={request.id} request={request} direction={direction} />
          ))}
        </ul>
      </Flex>
    </section>
  );
}

function RequestRow({
  request,
  direction,
}: {
  request: FriendRequest;
  direction: 'incoming' | 'outgoing';
}) {
  const accept = useAcceptFriendRequest();
  const decline = useDeclineFriendRequest();
  const cancel = useCancelFriendRequest();
  const toast = useToast();
  const other = direction === 'incoming' ? request.from : request.to;
  const onError = (error: unknown) =>
    toast({ title: 'That did not work', description: describeError(error), tone: 'error' });
  return (
    <Flex asChild align="center" gap="3" py="2">
      <li aria-label={other.displayName}>
        <UserAvatar name={other.displayName} src={other.avatarUrl} decorative />
        <Text size="2" weight="medium" style={{ flexGrow: 1 }} truncate>
          {other.displayName}
        </Text>
        {direction === 'incoming' ? (
          <Flex gap="2">
            <Button
              size="1"
              loading={accept.isPending}
              onClick={() => accept.mutate(request.id, { onError })}
              aria-label={`Accept ${other.displayName}`}
            >
              Accept
            </Button>
            <Button
              size="1"
              variant="soft"
              color="gray"
              loading={decline.isPending}
              onClick={() => decline.mutate(request.id, { onError })}
              aria-label={`Decline ${other.displayName}`}
            >
              Decline
            </Button>
          </Flex>
        ) : (
          <Button
            size="1"
            variant="soft"
            color="gray"
            loading={cancel.isPending}
            onClick={() => cancel.mutate(request.id, { onError })}
            aria-label={`Cancel request to ${other.displayName}`}
          >
            Cancel
          </Button>
        )}
      </li>
    </Flex>
  );
}

function ListSkeleton() {
  return (
    <Flex direction="column" gap="3" mt="3" aria-busy="true" aria-label="Loading">
      {[0, 1, 2].map((i) => (
        <Flex key={i} gap="3" align="center">
          <Skeleton width="32px" height="32px" style={{ borderRadius: '50%' }} />
          <Skeleton height="16px" width="60%" />
        </Flex>
      ))}
    </Flex>
  );
}
