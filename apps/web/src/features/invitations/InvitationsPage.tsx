import type { Invitation } from '@cascade/contracts';
import { Button, Card, Flex, Heading, Skeleton, Text } from '@radix-ui/themes';
import { useNavigate } from 'react-router';

import { describeError } from '../../lib/api/errors';
import { EmptyState, ErrorState } from '../../ui/States';
import { useToast } from '../../ui/Toaster';
import { UserAvatar } from '../../ui/UserAvatar';
import { usePublicProfiles } from '../users/api';
import { useAcceptInvitation, useDeclineInvitation, useReceivedInvitations } from './api';

/** The inbox: invitations waiting for an answer. Accepting one goes to the room. */
export default function InvitationsPage() {
  const invitations = useReceivedInvitations();
  const inviters = usePublicProfiles(invitations.data?.map((i) => i.inviterId) ?? []);
  return (
    <Flex direction="column" gap="4">
      <Heading as="h1" size="7">
        Invitations
      </Heading>
      {invitations.isPending && <Skeleton height="72px" />}
      {invitations.isError && (
        <ErrorState error={invitations.error} onRetry={() => void invitations.refetch()} />
      )}
      {invitations.data?.length === 0 && (
        <EmptyState title="No invitations">
          When a friend invites you to a room, it shows here.
        </EmptyState>
      )}
      {invitations.data && invitations.data.length > 0 && (
        <Flex asChild direction="column" gap="3">
          <ul aria-label="Invitations" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
            {invitations.data.map((invitation) => {
              const inviter = inviters.data?.get(invitation.inviterId);
              return (
                <li key={invitation.id}>
                  <InvitationCard
                    invitation={invitation}
                    inviterName={inviter?.displayName ?? 'Someone'}
                    inviterAvatar={inviter?.avatarUrl}
                  />
                </li>
              );
            })}
          </ul>
        </Flex>
      )}
    </Flex>
  );
}

function InvitationCard({
  invitation,
  inviterName,
  inviterAvatar,
}: {
  invitation: Invitation;
  inviterName: string;
  inviterAvatar: string | undefined;
}) {
  const navigate = useNavigate();
  const accept = useAcceptInvitation();
  const decline = useDeclineInvitation();
  const toast = useToast();
  const onError = (error: unknown) =>
    toast({ title: 'That did not work', description: describeError(error), tone: 'error' });
  return (
    <Card size="2">
      <Flex gap="3" align="center" wrap="wrap">
        <UserAvatar name={inviterName} src={inviterAvatar} decorative />
        <Flex direction="column" flexGrow="1" minWidth="200px">
          <Text size="2">
            <Text weight="bold">{inviterName}</Text> invited you to{' '}
            <Text weight="bold">{invitation.roomTitle}</Text>
          </Text>
          <Text size="1" color="gray">
            Expires {new Date(invitation.expiresAt).toLocaleString()}
          </Text>
        </Flex>
        <Flex gap="2">
          <Button
            loading={accept.isPending}
            aria-label={`Accept the invitation to ${invitation.roomTitle}`}
            onClick={() =>
              accept.mutate(invitation.id, {
                onSuccess: () => void navigate(`/rooms/${invitation.roomId}`),
                onError,
              })
            }
          >
            Accept
          </Button>
          <Button
            variant="soft"
            color="gray"
            loading={decline.isPending}
            aria-label={`Decline the invitation to ${invitation.roomTitle}`}
            onClick={() => decline.mutate(invitation.id, { onError })}
          >
            Decline
          </Button>
        </Flex>
      </Flex>
    </Card>
  );
}
