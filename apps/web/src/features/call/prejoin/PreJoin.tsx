import { Box, Button, Callout, Card, Flex, Heading, Select, Text } from '@radix-ui/themes';
import { ExclamationTriangleIcon } from '@radix-ui/react-icons';
import { useState } from 'react';

import { UserAvatar } from '../../../ui/UserAvatar';
import { useMe } from '../../auth/use-session';
import { useAudioLevel } from '../hooks/use-audio-level';
import { useLocalPreview } from '../hooks/use-local-preview';
import { useMediaDevices } from '../hooks/use-media-devices';
import { CameraToggle, MicToggle } from '../controls/DeviceToggles';
import { VideoView } from '../grid/VideoView';
import { describeMediaProblem } from './media-errors';
import { type CallPreferences, loadPreferences, savePreferences } from './preferences';

export interface JoinChoice {
  preferences: CallPreferences;
  video: MediaStreamTrack | null;
  audio: MediaStreamTrack | null;
}

/**
 * Before joining: the camera preview and a microphone level meter, device choices, camera and
 * microphone on or off, and what stops the join (the room is full, private, gone) said before
 * any media is sent. The choices are remembered for next time.
 */
export function PreJoin({
  roomTitle,
  blocker,
  joinError,
  joining,
  onJoin,
}: {
  roomTitle: string;
  /** Why this room cannot be joined, known before trying. */
  blocker: string | null;
  joinError: string | null;
  joining: boolean;
  onJoin: (choice: JoinChoice) => void;
}) {
  const me = useMe();
  const [prefs, setPrefs] = useState<CallPreferences>(loadPreferences);
  const preview = useLocalPreview({
    cameraOn: prefs.cameraOn,
    microphoneOn: prefs.microphoneOn,
    cameraId: prefs.cameraId,
    microphoneId: prefs.microphoneId,
  });
  // Device labels appear once a permission is granted: list again when a track opens.
  const devices = useMediaDevices(`${preview.video?.id}/${preview.audio?.id}`);
  const level = useAudioLevel(preview.audio);

  const change = (next: Partial<CallPreferences>) => {
    const merged = { ...prefs, ...next };
    setPrefs(merged);
    savePreferences(merged);
  };

  return (
    <Flex
      direction={{ initial: 'column', md: 'row' }}
      gap="6"
      align={{ initial: 'stretch', md: 'center' }}
      justify="center"
      py={{ initial: '2', sm: '6' }}
    >
      <Box width={{ initial: '100%', md: '560px' }}>
        <Card size="1" style={{ padding: 0, overflow: 'hidden' }}>
          <Box position="relative" style={{ aspectRatio: '16 / 9', background: 'var(--gray-12)' }}>
            {preview.video ? (
              <VideoView track={preview.video} mirror label="Your camera preview" />
            ) : (
              <Flex align="center" justify="center" height="100%">
                <UserAvatar name={me.displayName} src={me.avatarUrl} size="7" decorative />
              </Flex>
            )}
            <Flex position="absolute" bottom="3" left="0" right="0" justify="center" gap="3">
              <MicToggle
                on={prefs.microphoneOn}
                onToggle={() => change({ microphoneOn: !prefs.microphoneOn })}
                onVariant="surface"
              />
              <CameraToggle
                on={prefs.cameraOn}
                onToggle={() => change({ cameraOn: !prefs.cameraOn })}
                onVariant="surface"
              />
            </Flex>
          </Box>
        </Card>
        <Flex mt="2" align="center" gap="2" aria-hidden={!prefs.microphoneOn}>
          <Text size="1" color="gray">
            Microphone
          </Text>
          <Box
            flexGrow="1"
            role="meter"
            aria-label="Microphone level"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={Math.round(level * 100)}
            style={{ height: 6, borderRadius: 3, background: 'var(--gray-a4)', overflow: 'hidden' }}
          >
            <Box
              data-testid="mic-level"
              style={{
                height: '100%',
                width: `${Math.round(level * 100)}%`,
                background: 'var(--green-9)',
                transition: 'width 90ms linear',
              }}
            />
          </Box>
        </Flex>
      </Box>

      <Flex direction="column" gap="4" width={{ initial: '100%', md: '340px' }}>
        <Box>
          <Heading as="h1" size="6">
            Ready to join?
          </Heading>
          <Text color="gray" size="2">
            {roomTitle} · you join as <Text weight="bold">{me.displayName}</Text>
          </Text>
        </Box>
        {[
          preview.videoProblem && describeMediaProblem(preview.videoProblem, 'camera'),
          preview.audioProblem && describeMediaProblem(preview.audioProblem, 'microphone'),
        ]
          .filter((m): m is string => Boolean(m))
          .map((message) => (
            <Callout.Root key={message} color="amber" size="1" role="alert">
              <Callout.Icon>
                <ExclamationTriangleIcon />
              </Callout.Icon>
              <Callout.Text>{message}</Callout.Text>
            </Callout.Root>
          ))}
        <DeviceSelect
          label="Camera"
          devices={devices.cameras}
          value={prefs.cameraId}
          onChange={(cameraId) => change({ cameraId })}
        />
        <DeviceSelect
          label="Microphone"
          devices={devices.microphones}
          value={prefs.microphoneId}
          onChange={(microphoneId) => change({ microphoneId })}
        />
        {devices.speakers.length > 0 && (
          <DeviceSelect
            label="Speaker"
            devices={devices.speakers}
            value={prefs.speakerId}
            onChange={(speakerId) => change({ speakerId })}
          />
        )}
        {(blocker ?? joinError) && (
          <Callout.Root color="red" role="alert">
            <Callout.Text>{blocker ?? joinError}</Callout.Text>
          </Callout.Root>
        )}
        <Button
          size="4"
          disabled={blocker !== null}
          loading={joining}
          onClick={() => onJoin({ preferences: prefs, video: preview.video, audio: preview.audio })}
        >
          Join now
        </Button>
      </Flex>
    </Flex>
  );
}

function DeviceSelect({
  label,
  devices,
  value,
  onChange,
}: {
  label: string;
  devices: MediaDeviceInfo[];
  value: string | undefined;
  onChange: (deviceId: string) => void;
}) {
  if (devices.length === 0) return null;
  const selected = devices.some((d) => d.deviceId === value) ? value : devices[0]?.deviceId;
  const id = `device-${label.toLowerCase()}`;
  return (
    <Flex direction="column" gap="1">
      <Text as="div" size="2" weight="medium" id={id}>
        {label}
      </Text>
      <Select.Root value={selected} onValueChange={onChange}>
        <Select.Trigger aria-labelledby={id} />
        <Select.Content>
          {devices.map((device, i) => (
            <Select.Item key={device.deviceId} value={device.deviceId}>
              {device.label || `${label} ${i + 1}`}
            </Select.Item>
          ))}
        </Select.Content>
      </Select.Root>
    </Flex>
  );
}
