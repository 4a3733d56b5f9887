/** Cascade's mark: three offset bars, a cascade. */
export function Logo({ size = 28 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 64 64" aria-hidden="true">
      <rect width="64" height="64" rx="14" fill="var(--accent-9)" />
      <path d="M14 22h22v6H14zm7 9h22v6H21zm7 9h22v6H28z" fill="var(--accent-contrast)" />
    </svg>
  );
}
