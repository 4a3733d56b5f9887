import type { CascadeClient } from '@cascade/client';
import { Button, Callout, Flex } from '@radix-ui/themes';
import { SpeakerLoudIcon } from '@radix-ui/react-icons';
import { useEffect, useRef, useState } from 'react';

import { useEmitterValue } from '../../../lib/sdk/use-emitter';

/**
 * Plays every remote audio track (each in its own hidden element, on the chosen speaker where
 * the browser allows choosing). When the browser blocks autoplay, offers a button to start it.
 */
export function RemoteAudio({
  client,
  speakerId,
}: {
  client: CascadeClient | null;
  speakerId: string | undefined;
}) {
  const tracks = useEmitterValue(client, () =>
    (client?.room?.tracks ?? [])
      .filter((t) => t.kind === 'audio')
      .map((t) => t.track as MediaStreamTrack),
  );
  const [blocked, setBlocked] = useState(false);
  const elements = useRef(new Map<string, HTMLAudioElement>());

  useEffect(() => {
    const live = new Set(tracks.map((t) => t.id));
    for (const [id, element] of elements.current) {
      if (!live.has(id)) {
        element.srcObject = null;
        element.remove();
        elements.current.delete(id);
      }
    }
    for (const track of tracks) {
      if (elements.current.has(track.id)) continue;
      const element = document.createElement('audio');
      element.autoplay = true;
      element.srcObject = new MediaStream([track]);
      element.dataset['cascadeAudio'] = track.id;
      document.body.append(element);
      elements.current.set(track.id, element);
      element.play().catch((error: unknown) => {
        if ((error as { name?: string }).name === 'NotAllowedError') setBlocked(true);
      });
    }
  }, [tracks]);

  useEffect(() => {
    for (const element of elements.current.values()) {
      const sink = element as HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> };
      if (speakerId && sink.setSinkId) void sink.setSinkId(speakerId).catch(() => undefined);
    }
  }, [speakerId, tracks]);

  useEffect(
    () => () => {
      for (const element of elements.current.values()) {
        element.srcObject = null;
        element.remove();
      }
      elements.current.clear();
    },
    [],
  );

  if (!blocked) return null;
  return (
    <Callout.Root color="amber" role="alert">
      <Flex asChild align="center" gap="3">
        <Callout.Text>
          Your browser is holding back the sound of the call.
          <Button
            size="1"
            onClick={() => {
              for (const element of elements.current.values())
                void element.play().catch(() => undefined);
              setBlocked(false);
            }}
          >
            <SpeakerLoudIcon /> Click to enable audio
          </Button>
        </Callout.Text>
      </Flex>
    </Callout.Root>
  );
}
