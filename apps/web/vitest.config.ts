import { defineConfig, mergeConfig } from 'vitest/config';

import viteConfig from './vite.config';

export default mergeConfig(
  viteConfig,
  defineConfig({
    test: {
      environment: 'jsdom',
      include: ['src/**/*.test.{ts,tsx}'],
      setupFiles: ['./vitest.setup.ts'],
      reporters: ['default', './test-support/vitest-results-reporter.ts'],
      css: false,
      // The machine is shared and busy; these are not timing tests.
      testTimeout: 30_000,
    },
  }),
);
