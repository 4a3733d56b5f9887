import type { INestApplication } from '@nestjs/common';
import helmet from 'helmet';

/**
 * Security headers on every HTTP answer of a service (helmet's defaults): a Content-Security-Policy
 * that loads nothing from elsewhere and is framed by no page (the services answer JSON; `/docs` and identity's development
 * sign-in form are served from the service itself), no framing, no MIME sniffing, no referrer,
 * HSTS, and the cross-origin isolation headers. `upgrade-insecure-requests` is left out: behind
 * TLS at Traefik it changes nothing, and on plain-HTTP development hosts it would break `/docs`.
 *
 * The web app is not served by these services (nginx or `vite preview` serve it, with its own
 * policy: apps/web/src/app/security-headers.ts). Socket.IO's requests on the gateway do not pass
 * through Express, so they are not affected.
 */
export function useSecurityHeaders(app: INestApplication): void {
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: { frameAncestors: ["'none'"], upgradeInsecureRequests: null },
      },
      xFrameOptions: { action: 'deny' },
    }),
  );
}
