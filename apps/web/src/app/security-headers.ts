/**
 * The Content-Security-Policy the app is served with (vite preview, nginx in compose and
 * Kubernetes): scripts only from this origin, no inline script, connections only to this
 * origin (the APIs and the gateway are on it), images from this origin, data URLs (generated
 * avatars) and HTTPS (Google profile pictures), media from WebRTC streams (blob:).
 * Radix Themes sets inline `style` attributes, hence `'unsafe-inline'` for styles only.
 */
export function contentSecurityPolicy(): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: https:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "media-src 'self' blob:",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}
