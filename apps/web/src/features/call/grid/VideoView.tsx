import { useEffect, useRef } from 'react';

/** Draws one video track. Muted (sound plays through the call's audio elements). */
export function VideoView({
  track,
  mirror = false,
  fit = 'cover',
  label,
}: {
  track: MediaStreamTrack;
  mirror?: boolean;
  fit?: 'cover' | 'contain';
  label: string;
}) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const video = ref.current;
    if (!video) return;
    video.srcObject = new MediaStream([track]);
    void video.play().catch(() => undefined);
    return () => {
      video.srcObject = null;
    };
  }, [track]);
  return (
    <video
      ref={ref}
      autoPlay
      playsInline
      muted
      aria-label={label}
      style={{
        width: '100%',
        height: '100%',
        objectFit: fit,
        display: 'block',
        transform: mirror ? 'scaleX(-1)' : undefined,
        background: 'var(--gray-12)',
      }}
    />
  );
}
