import type { PublicProfile } from '@cascade/contracts';
import { Badge, DropdownMenu, Flex, IconButton, ScrollArea, Text } from '@radix-ui/themes';
import { DotsHorizontalIcon } from '@radix-ui/react-icons';
import { useState } from 'react';

import { ConfirmDialog } from '../../../ui/ConfirmDialog';
import { UserChip } from '../../friends/UserCard';
import { CameraIcon, MicIcon } from '../controls/icons';
import type { CallParticipant } from '../hooks/call-model';

export interface Moderation {
  mute: (participant: CallParticipant) => Promise<unknown>;
  remove: (participant: CallParticipant) => Promise<unknown>;
  ban: (participant: CallParticipant) => Promise<unknown>;
}

/**
 * Everyone in the call with their microphone and camera state; anyone's card offers "Add
 * friend"; the room's owner and moderators also get mute, remove and ban (the server checks).
 */
export function PeoplePanel({
  participants,
  profiles,
  moderation,
}: {
  participants: CallParticipant[];
  profiles: Map<string, PublicProfile> | undefined;
  moderation: Moderation | null;
}) {
  return (
    <ScrollArea type="auto" style={{ height: '100%' }}>
      <Flex asChild direction="column" gap="1" pr="3">
        <ul aria-label="People in the call" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
          {participants.map((p) => (
            <Flex asChild key={p.participantId} align="center" gap="2" py="1">
              <li aria-label={p.displayName}>
                <Flex flexGrow="1" minWidth="0" align="center" gap="2">
                  <UserChip
                    user={
                      profiles?.get(p.userId) ?? {
                        id: p.userId,
                        displayName: p.displayName,
                        avatarUrl: '',
                      }
                    }
                  />
                  {p.isSelf && <Badge variant="soft">You</Badge>}
                </Flex>
                <span
                  role="img"
                  aria-label={p.micMuted ? 'Microphone off' : 'Microphone on'}
                  style={{
                    color: p.micMuted ? 'var(--red-9)' : 'var(--gray-11)',
                    display: 'inline-flex',
                  }}
                >
                  <MicIcon off={p.micMuted} />
                </span>
                <span
                  role="img"
                  aria-label={p.cameraOn ? 'Camera on' : 'Camera off'}
                  style={{
                    color: p.cameraOn ? 'var(--gray-11)' : 'var(--red-9)',
                    display: 'inline-flex',
                  }}
                >
                  <CameraIcon off={!p.cameraOn} />
                </span>
                {moderation && !p.isSelf && (
                  <ModerationMenu participant={p} moderation={moderation} />
                )}
              </li>
            </Flex>
          ))}
        </ul>
      </Flex>
    </ScrollArea>
  );
}

function ModerationMenu({
  participant,
  moderation,
}: {
  participant: CallParticipant;
  moderation: Moderation;
}) {
  const [confirm, setConfirm] = useState<'remove' | 'ban' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = (action: Promise<unknown>) =>
    action.then(
      () => setError(null),
      (e: unknown) => setError(String((e as Error).message ?? e)),
    );
  return (
    <>
      <DropdownMenu.Root>
        <DropdownMenu.Trigger>
          <IconButton
            size="1"
            variant="ghost"
            color="gray"
            aria-label={`Moderate ${participant.displayName}`}
          >
            <DotsHorizontalIcon />
          </IconButton>
        </DropdownMenu.Trigger>
        <DropdownMenu.Content>
          <DropdownMenu.Item
            disabled={participant.micMuted}
            onSelect={() => void run(moderation.mute(participant))}
          >
            Mute microphone
          </DropdownMenu.Item>
          <DropdownMenu.Separator />
          <DropdownMenu.Item color="red" onSelect={() => setConfirm('remove')}>
            Remove from call
          </DropdownMenu.Item>
          <DropdownMenu.Item color="red" onSelect={() => setConfirm('ban')}>
            Ban from room
          </DropdownMenu.Item>
        </DropdownMenu.Content>
      </DropdownMenu.Root>
      {error && (
        <Text size="1" color="red" role="alert">
          {error}
        </Text>
      )}
      <ConfirmDialog
        open={confirm !== null}
        onOpenChange={(open) => !open && setConfirm(null)}
        title={
          confirm === 'ban'
            ? `Ban ${participant.displayName}?`
            : `Remove ${participant.displayName}?`
        }
        description={
          confirm === 'ban'
            ? 'They leave the call now and cannot join this room again.'
            : 'They leave the call now. They can join again.'
        }
        confirm={confirm === 'ban' ? 'Ban' : 'Remove'}
        onConfirm={() =>
          void run(confirm === 'ban' ? moderation.ban(participant) : moderation.remove(participant))
        }
      />
    </>
  );
}
