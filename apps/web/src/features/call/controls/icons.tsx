import type { ReactNode } from 'react';

/** A line-drawn 18 px mark, for the call's marks that Radix's icon set lacks. */
function Stroke({ children }: { children: ReactNode }) {
  return (
    <svg
      width="18"
      height="18"
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
    >
      {children}
    </svg>
  );
}

/** A microphone, struck through when off. */
export function MicIcon({ off = false }: { off?: boolean }) {
  return (
    <Stroke>
      <rect x="9" y="2" width="6" height="12" rx="3" />
      <path d="M5 10v1a7 7 0 0 0 14 0v-1M12 18v4" />
      {off && <path d="M3 3l18 18" />}
    </Stroke>
  );
}

/** A camera, struck through when off. */
export function CameraIcon({ off = false }: { off?: boolean }) {
  return (
    <Stroke>
      <rect x="2" y="6" width="14" height="12" rx="2" />
      <path d="M16 10l6-3v10l-6-3" />
      {off && <path d="M3 3l18 18" />}
    </Stroke>
  );
}

/** A screen with an arrow up: share it. */
export function ScreenIcon() {
  return (
    <Stroke>
      <rect x="2" y="4" width="20" height="13" rx="2" />
      <path d="M8 21h8M12 17v4M12 8v5M9.5 10.5 12 8l2.5 2.5" />
    </Stroke>
  );
}

export function PhoneDownIcon() {
  return (
    <svg width="18" height="18" viewBox="0 0 24 24" fill="currentColor" aria-hidden="true">
      <path d="M12 9c-3.3 0-6.4.9-8.9 2.6-.7.5-1.1 1.3-1.1 2.1v2.1c0 .8.8 1.4 1.6 1.1l3.6-1.3c.6-.2 1-.8 1-1.4v-2c2.4-.8 5.1-.8 7.6 0v2c0 .6.4 1.2 1 1.4l3.6 1.3c.8.3 1.6-.3 1.6-1.1v-2.1c0-.8-.4-1.6-1.1-2.1C18.4 9.9 15.3 9 12 9z" />
    </svg>
  );
}
