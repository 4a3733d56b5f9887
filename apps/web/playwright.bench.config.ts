import { defineConfig } from '@playwright/test';

import base from './playwright.config';

/** The call benchmark (`npm run bench`): the e2e stack and browser, measurements, no asserts. */
export default defineConfig({
  ...base,
  testDir: './bench',
  testMatch: /.*\.bench\.ts/,
  timeout: 900_000,
  reporter: [['list']],
});
