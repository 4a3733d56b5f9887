import { CascadeError } from '@cascade/contracts';
import {
  Box,
  Button,
  Callout,
  DropdownMenu,
  Flex,
  Heading,
  IconButton,
  Spinner,
  Text,
  VisuallyHidden,
} from '@radix-ui/themes';
import { Cross2Icon, Link2Icon } from '@radix-ui/react-icons';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';

import { useToast } from '../../ui/Toaster';
import { InviteDialog } from '../invitations/InviteDialog';
import { useRoom } from '../rooms/api';
import { isFull } from '../rooms/RoomCard';
import { usePublicProfiles } from '../users/api';
import { ChatPanel } from './chat/ChatPanel';
import { ControlBar } from './controls/ControlBar';
import { CallGrid } from './grid/CallGrid';
import { RemoteAudio } from './grid/RemoteAudio';
import { layoutTiles, tilesPerPage } from './grid/tiles';
import { type TileSizes, viewOf } from './grid/view-model';
import { type CallParticipant, watchingLabel } from './hooks/call-model';
import {
  useActiveSpeaker,
  useCallParticipants,
  useConnectionQuality,
  useConnectionState,
  useServerView,
  useViewerCount,
  useVisibleSubscriptions,
} from './hooks/use-call-room';
import { useCallSession } from './hooks/use-call-session';
import { useChat } from './hooks/use-chat';
import { useLocalMedia } from './hooks/use-local-media';
import { useMediaDevices } from './hooks/use-media-devices';
import { type Moderation, PeoplePanel } from './people/PeoplePanel';
import { PreJoin } from './prejoin/PreJoin';
import { type CallPreferences, loadPreferences, savePreferences } from './prejoin/preferences';

/** The call: pre-join, then the grid, controls, chat and people; an end state to rejoin from. */
export default function CallPage() {
  const { roomId = '' } = useParams();
  const room = useRoom(roomId);
  const moderator = room.data
    ? room.data.myRole === 'owner' || room.data.myRole === 'moderator'
    : undefined;
  const session = useCallSession(roomId, moderator);
  const [preferences, setPreferences] = useState<CallPreferences>(loadPreferences);
  const title = room.data?.title ?? 'Call';

  useEffect(() => {
    document.title = `${title} · Cascade`;
    return () => {
      document.title = 'Cascade';
    };
  }, [title]);

  if (session.phase === 'prejoin' || session.phase === 'joining') {
    return (
      <PreJoin
        roomTitle={title}
        blocker={blockerOf(room.data, room.error)}
        joinError={session.joinError}
        joining={session.phase === 'joining'}
        onJoin={(choice) => {
          setPreferences(choice.preferences);
          void session.join(choice);
        }}
      />
    );
  }
  if (session.phase !== 'joined' || !session.client) {
    return (
      <EndState
        phase={session.phase}
        reason={session.removedReason}
        title={title}
        roomId={roomId}
      />
    );
  }
  return (
    <InCall
      roomId={roomId}
      title={title}
      session={session}
      preferences={preferences}
      onPreferences={setPreferences}
    />
  );
}

function blockerOf(room: ReturnType<typeof useRoom>['data'], error: unknown): string | null {
  if (error instanceof CascadeError) {
    if (error.code === 'NOT_FOUND') return 'This room does not exist (any more).';
    if (error.code === 'FORBIDDEN') return 'This room is private: you need an invitation to join.';
  }
  if (!room) return null;
  if (room.status === 'closed') return 'This room is closed.';
  if (isFull(room)) return 'This room is full.';
  return null;
}

function EndState({
  phase,
  reason,
  title,
  roomId,
}: {
  phase: string;
  reason: string | null;
  title: string;
  roomId: string;
}) {
  const navigate = useNavigate();
  const heading =
    phase === 'left'
      ? `You left ${title}`
      : reason === 'kicked'
        ? `You were removed from ${title}`
        : reason === 'banned'
          ? `You were banned from ${title}`
          : reason === 'revoked'
            ? 'Your access to this call was withdrawn'
            : reason === 'room_closed'
              ? `${title} was closed`
              : reason === 'session_expired'
                ? 'Your session ended'
                : reason === 'replaced'
                  ? 'You joined from another window'
                  : `You are no longer in ${title}`;
  return (
    <Flex direction="column" align="center" gap="4" py="9" role="status">
      <Heading as="h1" size="6" align="center">
        {heading}
      </Heading>
      <Flex gap="3">
        {reason !== 'room_closed' && reason !== 'banned' && (
          <Button onClick={() => void navigate(0)}>Rejoin</Button>
        )}
        <Button variant="soft" asChild>
          <Link to={`/rooms/${roomId}`}>Back to the room</Link>
        </Button>
      </Flex>
    </Flex>
  );
}

function InCall({
  roomId,
  title,
  session,
  preferences,
  onPreferences,
}: {
  roomId: string;
  title: string;
  session: ReturnType<typeof useCallSession>;
  preferences: CallPreferences;
  onPreferences: (p: CallPreferences) => void;
}) {
  const client = session.client!;
  const toast = useToast();
  const participants = useCallParticipants(client);
  const speakerId = useActiveSpeaker(client);
  const connection = useConnectionState(client);
  const viewers = useViewerCount(client);
  const quality = useConnectionQuality(client, client.room?.participantId);
  const media = useLocalMedia(client, preferences, session.publishing);
  const chat = useChat(client, roomId);
  const devices = useMediaDevices();
  const profiles = usePublicProfiles(participants.map((p) => p.userId));
  const [panel, setPanel] = useState<'chat' | 'people' | null>(null);
  const [mode, setMode] = useState<'grid' | 'speaker'>('grid');
  const [pinnedId, setPinnedId] = useState<string | null>(null);
  const [hideSelf, setHideSelf] = useState(false);
  const [page, setPage] = useState(0);
  const [width, setWidth] = useState(() => window.innerWidth);
  const [readCount, setReadCount] = useState(0);

  useEffect(() => {
    const onResize = () => setWidth(window.innerWidth);
    window.addEventListener('resize', onResize);
    return () => window.removeEventListener('resize', onResize);
  }, []);

  const layout = useMemo(
    () =>
      layoutTiles({
        participants: participants.map((p) => ({
          participantId: p.participantId,
          displayName: p.displayName,
          isSelf: p.isSelf,
          joinedAt: p.joinedAt,
          hasScreen: p.screenOn,
        })),
        perPage: mode === 'speaker' ? 7 : tilesPerPage(width),
        page,
        activeSpeakerId: speakerId,
        pinnedId,
        hideSelf,
      }),
    [participants, mode, width, page, speakerId, pinnedId, hideSelf],
  );
  useVisibleSubscriptions(client, layout.visibleParticipantIds);
  // What the page draws and how large: the server forwards that video at the layers it needs.
  const [tileSizes, setTileSizes] = useState<TileSizes>(new Map());
  const onTileSize = useCallback(
    (key: string, size: { width: number; height: number }) =>
      setTileSizes((current) => {
        const was = current.get(key);
        if (was && was.width === size.width && was.height === size.height) return current;
        return new Map(current).set(key, size);
      }),
    [],
  );
  const selfId = client?.room?.participantId ?? null;
  useServerView(client, viewOf(layout.tiles, tileSizes, selfId));

  const unread = panel === 'chat' ? 0 : Math.max(0, chat.lines.length - readCount);
  useEffect(() => {
    if (panel === 'chat') setReadCount(chat.lines.length);
  }, [panel, chat.lines.length]);

  const names = new Map(participants.map((p) => [p.userId, p.displayName]));
  const nameOf = (line: { userId: string; displayName: string | null }) =>
    line.displayName ??
    names.get(line.userId) ??
    profiles.data?.get(line.userId)?.displayName ??
    'Someone';

  const moderation: Moderation | null = client.room?.grants.admin
    ? {
        mute: (p: CallParticipant) =>
          client.request('participant.mute', {
            participantId: p.participantId,
            source: 'microphone',
          }),
        remove: (p: CallParticipant) =>
          client.request('participant.remove', { participantId: p.participantId }),
        // Recorded by the rooms service and acted on at once: the banned person is put out of
        // the call (and of any other call in this room) and cannot come back.
        ban: (p: CallParticipant) =>
          client.request('participant.ban', { participantId: p.participantId }),
      }
    : null;

  const copyLink = () => {
    const url = `${window.location.origin}/rooms/${roomId}`;
    void navigator.clipboard?.writeText(url).then(
      () => toast({ title: 'Link copied', description: url }),
      () => toast({ title: 'Copy this link', description: url }),
    );
  };

  const changeSpeaker = (speakerId: string) => {
    const next = { ...preferences, speakerId };
    onPreferences(next);
    savePreferences(next);
  };

  return (
    <Flex
      direction="column"
      gap="2"
      style={{ height: 'calc(100dvh - 60px - 2 * var(--space-4))', minHeight: 420 }}
    >
      <Flex align="center" justify="between" gap="2" wrap="wrap">
        <Flex direction="column" minWidth="0">
          <Heading as="h1" size="4" truncate>
            {title}
          </Heading>
          <Text size="1" color="gray" role="status">
            In the call · {participants.length} {participants.length === 1 ? 'person' : 'people'}
            {watchingLabel(viewers)}
          </Text>
        </Flex>
        <Flex gap="2">
          <InviteDialog roomId={roomId} roomTitle={title}>
            <Button variant="soft" size="2">
              Invite
            </Button>
          </InviteDialog>
          <IconButton variant="soft" size="2" aria-label="Copy link to the room" onClick={copyLink}>
            <Link2Icon />
          </IconButton>
        </Flex>
      </Flex>
      {connection === 'reconnecting' && (
        <Callout.Root color="amber" role="status" size="1">
          <Flex asChild align="center" gap="2">
            <Callout.Text>
              <Spinner size="1" /> Connection lost. Reconnecting…
            </Callout.Text>
          </Flex>
        </Callout.Root>
      )}
      {(media.error ?? session.publishError) && (
        <Callout.Root color="red" role="alert" size="1">
          <Callout.Text>{media.error ?? session.publishError}</Callout.Text>
        </Callout.Root>
      )}
      <RemoteAudio client={client} speakerId={preferences.speakerId} />
      <VisuallyHidden aria-live="polite">
        {speakerId
          ? `${participants.find((p) => p.participantId === speakerId)?.displayName ?? 'Someone'} is speaking`
          : ''}
      </VisuallyHidden>

      <Flex gap="3" flexGrow="1" minHeight="0" position="relative">
        <Box flexGrow="1" minWidth="0" minHeight="0">
          <CallGrid
            layout={layout}
            mode={mode}
            participants={participants}
            speakerId={speakerId}
            pinnedId={pinnedId}
            onPin={(id) => setPinnedId((current) => (current === id ? null : id))}
            onPage={setPage}
            profiles={profiles.data}
            quality={quality}
            onTileSize={onTileSize}
          />
        </Box>
        {panel && (
          <Box
            asChild
            className="cascade-call-panel"
            p="3"
            style={{
              background: 'var(--color-panel-solid)',
              borderRadius: 'var(--radius-4)',
              border: '1px solid var(--gray-a5)',
            }}
          >
            <aside aria-label={panel === 'chat' ? 'Chat' : 'People'}>
              <Flex justify="between" align="center" mb="2">
                <Heading as="h2" size="3">
                  {panel === 'chat' ? 'Chat' : `People (${participants.length})`}
                </Heading>
                <IconButton
                  variant="ghost"
                  color="gray"
                  aria-label={`Close ${panel === 'chat' ? 'chat' : 'people'}`}
                  onClick={() => setPanel(null)}
                >
                  <Cross2Icon />
                </IconButton>
              </Flex>
              <Box style={{ height: 'calc(100% - 40px)' }}>
                {panel === 'chat' ? (
                  <ChatPanel
                    lines={chat.lines}
                    nameOf={nameOf}
                    onSend={(text) => client.sendChat(text)}
                  />
                ) : (
                  <PeoplePanel
                    participants={participants}
                    profiles={profiles.data}
                    moderation={moderation}
                  />
                )}
              </Box>
            </aside>
          </Box>
        )}
      </Flex>

      <ControlBar
        micOn={media.micOn}
        cameraOn={media.cameraOn}
        sharing={media.sharing}
        canShare={media.canShare}
        starting={session.publishing}
        chatOpen={panel === 'chat'}
        peopleOpen={panel === 'people'}
        unread={unread}
        onMic={() => void media.toggleMic()}
        onCamera={() => void media.toggleCamera()}
        onShare={() => void media.toggleShare()}
        onChat={() => setPanel((p) => (p === 'chat' ? null : 'chat'))}
        onPeople={() => setPanel((p) => (p === 'people' ? null : 'people'))}
        onLeave={() => void session.leave()}
        more={(trigger) => (
          <DropdownMenu.Root>
            <DropdownMenu.Trigger>{trigger}</DropdownMenu.Trigger>
            <DropdownMenu.Content>
              <DropdownMenu.Item
                onSelect={() => setMode((m) => (m === 'grid' ? 'speaker' : 'grid'))}
              >
                {mode === 'grid' ? 'Speaker layout' : 'Grid layout'}
              </DropdownMenu.Item>
              <DropdownMenu.Item onSelect={() => setHideSelf((h) => !h)}>
                {hideSelf ? 'Show self view' : 'Hide self view'}
              </DropdownMenu.Item>
              {devices.cameras.length > 1 && (
                <DropdownMenu.Sub>
                  <DropdownMenu.SubTrigger>Camera</DropdownMenu.SubTrigger>
                  <DropdownMenu.SubContent>
                    {devices.cameras.map((d, i) => (
                      <DropdownMenu.Item
                        key={d.deviceId}
                        onSelect={() => void media.switchDevice('camera', d.deviceId)}
                      >
                        {d.label || `Camera ${i + 1}`}
                      </DropdownMenu.Item>
                    ))}
                  </DropdownMenu.SubContent>
                </DropdownMenu.Sub>
              )}
              {devices.microphones.length > 1 && (
                <DropdownMenu.Sub>
                  <DropdownMenu.SubTrigger>Microphone</DropdownMenu.SubTrigger>
                  <DropdownMenu.SubContent>
                    {devices.microphones.map((d, i) => (
                      <DropdownMenu.Item
                        key={d.deviceId}
                        onSelect={() => void media.switchDevice('microphone', d.deviceId)}
                      >
                        {d.label || `Microphone ${i + 1}`}
                      </DropdownMenu.Item>
                    ))}
                  </DropdownMenu.SubContent>
                </DropdownMenu.Sub>
              )}
              {devices.speakers.length > 0 && (
                <DropdownMenu.Sub>
                  <DropdownMenu.SubTrigger>Speaker</DropdownMenu.SubTrigger>
                  <DropdownMenu.SubContent>
                    {devices.speakers.map((d, i) => (
                      <DropdownMenu.Item
                        key={d.deviceId}
                        onSelect={() => changeSpeaker(d.deviceId)}
                      >
                        {d.label || `Speaker ${i + 1}`}
                      </DropdownMenu.Item>
                    ))}
                  </DropdownMenu.SubContent>
                </DropdownMenu.Sub>
              )}
            </DropdownMenu.Content>
          </DropdownMenu.Root>
        )}
      />
    </Flex>
  );
}
