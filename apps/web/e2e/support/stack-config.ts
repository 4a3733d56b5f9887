/**
 * Where the end-to-end stack listens: its own block of ports, so that it never meets a
 * development stack (`npm start`) running on the same machine.
 */
// 3400-3406 (3300 + 6 would be MariaDB's 3306).
export const E2E_HTTP_PORT_BASE = Number(process.env['CASCADE_E2E_HTTP_PORT_BASE'] ?? 3400);
export const E2E_MEDIA_PORT_BASE = Number(process.env['CASCADE_E2E_MEDIA_PORT_BASE'] ?? 23_000);
/** The stack's own NATS server (with a user per service). */
export const E2E_NATS_PORT = Number(process.env['CASCADE_E2E_NATS_PORT'] ?? E2E_HTTP_PORT_BASE + 7);
export const E2E_WEB_PORT = Number(process.env['CASCADE_E2E_WEB_PORT'] ?? 8480);
export const E2E_WEB_URL = `http://127.0.0.1:${E2E_WEB_PORT}`;
export const E2E_DATABASE_PREFIX = 'cascade_e2e';

/** How the tests start Debian's Chromium: no sandbox (root), fake camera and microphone. */
export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];
