import { createHash } from 'node:crypto';

function initials(displayName: string): string {
  const words = displayName.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : [words[0] ?? '?'];
  return letters
    .map((w) => Array.from(w ?? '?')[0] ?? '?')
    .join('')
    .toUpperCase();
}

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A generated avatar: the initials of the display name on a colour derived from the user id, as
 * an SVG data URL. Deterministic, so it needs no storage and never changes under a user.
 */
export function generatedAvatar(userId: string, displayName: string): string {
  const digest = createHash('sha256').update(userId).digest();
  const hue = ((digest[0] ?? 0) * 256 + (digest[1] ?? 0)) % 360;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128" viewBox="0 0 128 128">` +
    `<rect width="128" height="128" fill="hsl(${hue},55%,45%)"/>` +
    `<text x="64" y="64" dy=".35em" text-anchor="middle" font-family="sans-serif" ` +
    `font-size="52" fill="#fff">${escapeXml(initials(displayName))}</text></svg>`;
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}
