import { Badge, Flex, IconButton, Tooltip } from '@radix-ui/themes';
import { ChatBubbleIcon, DotsHorizontalIcon, PersonIcon } from '@radix-ui/react-icons';
import type { ReactNode } from 'react';

import { CameraToggle, MicToggle } from './DeviceToggles';
import { PhoneDownIcon, ScreenIcon } from './icons';

/** The call's controls, thin: every state and action comes from the page's hooks. */
export function ControlBar({
  micOn,
  cameraOn,
  sharing,
  canShare,
  starting = false,
  chatOpen,
  peopleOpen,
  unread,
  onMic,
  onCamera,
  onShare,
  onChat,
  onPeople,
  onLeave,
  more,
}: {
  micOn: boolean;
  cameraOn: boolean;
  sharing: boolean;
  canShare: boolean;
  /** The devices chosen before joining are still being published: their buttons wait. */
  starting?: boolean;
  chatOpen: boolean;
  peopleOpen: boolean;
  unread: number;
  onMic: () => void;
  onCamera: () => void;
  onShare: () => void;
  onChat: () => void;
  onPeople: () => void;
  onLeave: () => void;
  more: (trigger: ReactNode) => ReactNode;
}) {
  return (
    <Flex
      asChild
      align="center"
      justify="center"
      gap={{ initial: '2', sm: '3' }}
      wrap="wrap"
      py="2"
    >
      <div role="toolbar" aria-label="Call controls">
        <MicToggle on={micOn} onToggle={onMic} shortcut="Ctrl+D" disabled={starting} />
        <CameraToggle on={cameraOn} onToggle={onCamera} shortcut="Ctrl+E" disabled={starting} />
        {canShare && (
          <Tooltip content={sharing ? 'Stop sharing' : 'Share screen'}>
            <IconButton
              size="4"
              radius="full"
              variant={sharing ? 'solid' : 'soft'}
              color={sharing ? 'indigo' : 'gray'}
              aria-label={sharing ? 'Stop sharing' : 'Share screen'}
              onClick={onShare}
            >
              <ScreenIcon />
            </IconButton>
          </Tooltip>
        )}
        <Tooltip content="Chat">
          <IconButton
            size="4"
            radius="full"
            variant={chatOpen ? 'solid' : 'soft'}
            color="gray"
            aria-label={unread > 0 ? `Chat, ${unread} unread` : 'Chat'}
            aria-pressed={chatOpen}
            onClick={onChat}
            style={{ position: 'relative' }}
          >
            <ChatBubbleIcon width="18" height="18" />
            {unread > 0 && (
              <Badge
                color="red"
                variant="solid"
                radius="full"
                size="1"
                aria-hidden="true"
                style={{ position: 'absolute', top: -4, right: -4 }}
              >
                {unread > 9 ? '9+' : unread}
              </Badge>
            )}
          </IconButton>
        </Tooltip>
        <Tooltip content="People">
          <IconButton
            size="4"
            radius="full"
            variant={peopleOpen ? 'solid' : 'soft'}
            color="gray"
            aria-label="People"
            aria-pressed={peopleOpen}
            onClick={onPeople}
          >
            <PersonIcon width="18" height="18" />
          </IconButton>
        </Tooltip>
        {more(
          <IconButton size="4" radius="full" variant="soft" color="gray" aria-label="More options">
            <DotsHorizontalIcon width="18" height="18" />
          </IconButton>,
        )}
        <Tooltip content="Leave call">
          <IconButton
            size="4"
            radius="full"
            color="red"
            aria-label="Leave call"
            onClick={onLeave}
            style={{ width: 64 }}
          >
            <PhoneDownIcon />
          </IconButton>
        </Tooltip>
      </div>
    </Flex>
  );
}
