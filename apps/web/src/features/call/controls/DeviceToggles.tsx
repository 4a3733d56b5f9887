import { IconButton, Tooltip } from '@radix-ui/themes';
import type { ComponentProps, ReactNode } from 'react';

import { CameraIcon, MicIcon } from './icons';

type Variant = ComponentProps<typeof IconButton>['variant'];

interface ToggleProps {
  on: boolean;
  onToggle: () => void;
  /** The look while on (`soft` in the control bar, `surface` over the pre-join preview). */
  onVariant?: Variant;
  /** A keyboard shortcut to mention in the tooltip. */
  shortcut?: string;
  /** Not usable yet (the device is still starting). */
  disabled?: boolean;
}

/**
 * A round device button: pressed (`aria-pressed`) and red while the device is off. Its name says
 * the action ("Mute microphone"), its state says whether it is done, as screen readers expect.
 */
function DeviceToggle({
  on,
  onToggle,
  onVariant = 'soft',
  disabled = false,
  label,
  tooltip,
  icon,
}: ToggleProps & { label: string; tooltip: string; icon: ReactNode }) {
  return (
    <Tooltip content={tooltip}>
      <IconButton
        size="4"
        radius="full"
        variant={on ? onVariant : 'solid'}
        color={on ? 'gray' : 'red'}
        aria-label={label}
        aria-pressed={!on}
        disabled={disabled}
        onClick={onToggle}
      >
        {icon}
      </IconButton>
    </Tooltip>
  );
}

const withShortcut = (text: string, shortcut: string | undefined) =>
  shortcut ? `${text} (${shortcut})` : text;

export function MicToggle(props: ToggleProps) {
  return (
    <DeviceToggle
      {...props}
      label="Mute microphone"
      tooltip={withShortcut(props.on ? 'Mute' : 'Unmute', props.shortcut)}
      icon={<MicIcon off={!props.on} />}
    />
  );
}

export function CameraToggle(props: ToggleProps) {
  return (
    <DeviceToggle
      {...props}
      label="Turn off camera"
      tooltip={withShortcut(props.on ? 'Turn off camera' : 'Turn on camera', props.shortcut)}
      icon={<CameraIcon off={!props.on} />}
    />
  );
}
