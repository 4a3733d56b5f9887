import { fileURLToPath } from 'node:url';

import react from '@vitejs/plugin-react';
import { type ProxyOptions, defineConfig } from 'vite';

import { contentSecurityPolicy } from './src/app/security-headers';

/**
 * The app talks to one origin. In development (`vite`) and in `vite preview` (what `npm start`
 * serves) this server proxies the APIs the way Traefik does in compose and Kubernetes:
 * `/api/identity/*` and `/api/rooms/*` to the services with the prefix stripped, `/socket.io`
 * to a gateway (WebSocket included).
 */
const env = process.env;
const identity = env.CASCADE_IDENTITY_URL ?? 'http://127.0.0.1:3001';
const rooms = env.CASCADE_ROOMS_URL ?? 'http://127.0.0.1:3002';
// One gateway, or several (comma-separated): WebSocket connections take them in turn, as a load
// balancer spreads them; HTTP long-polling stays on the first (it needs stickiness, which
// Traefik's cookie gives in compose and Kubernetes).
const gateways = (env.CASCADE_GATEWAY_URLS ?? env.CASCADE_GATEWAY_URL ?? 'http://127.0.0.1:3000')
  .split(',')
  .map((url) => url.trim())
  .filter(Boolean);
const gateway = gateways[0]!;
let nextGateway = 0;

const strip = (prefix: string, target: string): ProxyOptions => ({
  target,
  changeOrigin: false,
  rewrite: (path) => path.slice(prefix.length) || '/',
});

const proxy: Record<string, ProxyOptions> = {
  '/api/identity': strip('/api/identity', identity),
  '/api/rooms': strip('/api/rooms', rooms),
  '/socket.io': {
    target: gateway,
    ws: true,
    changeOrigin: false,
    configure: (proxy) => {
      if (gateways.length < 2) return;
      const ws = proxy.ws.bind(proxy) as (...args: unknown[]) => void;
      (proxy as unknown as { ws: (...args: unknown[]) => void }).ws = (req, socket, head) => {
        // An upgrade from long-polling (it names its session) stays where the session is.
        const upgrade = /[?&]sid=/.test(String((req as { url?: string }).url));
        const target = upgrade ? gateway : gateways[nextGateway++ % gateways.length];
        ws(req, socket, head, { target });
      };
    },
  },
};

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  plugins: [react()],
  resolve: {
    // The workspace packages are bundled from their TypeScript sources (ES modules), not from
    // their CommonJS builds.
    alias: {
      '@cascade/contracts': source('../../packages/contracts/src/index.ts'),
      '@cascade/client': source('../../packages/client/src/index.ts'),
    },
  },
  server: { host: '127.0.0.1', port: 5173, strictPort: true, proxy },
  preview: {
    host: env.CASCADE_WEB_HOST ?? '127.0.0.1',
    port: Number(env.CASCADE_WEB_PORT ?? 8080),
    strictPort: true,
    proxy,
    headers: { 'Content-Security-Policy': contentSecurityPolicy() },
  },
  build: {
    target: 'es2022',
    // Maps for error reports, not referenced from the served files.
    sourcemap: 'hidden',
    // The lobby's first load is measured against a budget (bench); the call page is its own
    // chunk, loaded lazily with mediasoup-client.
    chunkSizeWarningLimit: 600,
  },
});
