import { defineConfig, devices } from '@playwright/test';

import { CHROMIUM_ARGS, CHROMIUM_PATH, E2E_WEB_URL } from './e2e/support/stack-config';

/**
 * End-to-end tests in Debian's Chromium (never a downloaded browser) against the real stack,
 * started as `npm start` starts it (scripts/dev-stack.mjs) with its own ports, databases, NATS
 * subjects and Redis keys, and a local OAuth server standing in for Google.
 */
export default defineConfig({
  testDir: './e2e',
  globalSetup: './e2e/support/global-setup.ts',
  fullyParallel: false,
  workers: 1,
  // Two cores run seven services and the browsers: generous bounds, no timing asserts.
  timeout: 180_000,
  expect: { timeout: 20_000 },
  // One more try in CI: the call suite has met, once in six runs, a joiner that never received
  // one camera (a producer added while another participant was joining; see the closing note of
  // issue 13). The retry re-runs the whole serial group; the report still shows the flaky run.
  retries: process.env['CI'] ? 1 : 0,
  reporter: [['list'], ['./test-support/playwright-results-reporter.ts']],
  outputDir: './test-results',
  use: {
    baseURL: E2E_WEB_URL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
  },
  projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'], channel: undefined } }],
});
