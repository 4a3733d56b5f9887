import { Avatar } from '@radix-ui/themes';
import type { ComponentProps } from 'react';

type Size = ComponentProps<typeof Avatar>['size'];

/** A user's picture, or the initials when it cannot load. */
export function UserAvatar({
  name,
  src,
  size = '2',
  decorative = false,
}: {
  name: string;
  src?: string | undefined;
  size?: Size;
  /** True when the name is shown beside it (the picture adds nothing for a screen reader). */
  decorative?: boolean;
}) {
  return (
    <Avatar
      size={size}
      radius="full"
      src={src}
      fallback={initials(name)}
      alt={decorative ? '' : name}
      aria-hidden={decorative ? true : undefined}
    />
  );
}

export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const picked = words.length > 1 ? [words[0], words[words.length - 1]] : [words[0] ?? '?'];
  return picked
    .map((w) => Array.from(w ?? '?')[0] ?? '?')
    .join('')
    .toUpperCase();
}
