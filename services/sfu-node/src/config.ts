import { accessSync, constants } from 'node:fs';
import { availableParallelism } from 'node:os';

import { baseEnv, natsEnv } from '@cascade/server-kit';
import { z } from 'zod';

const executableFile = z.string().refine(
  (path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  },
  {
    message:
      'must be the path of an executable mediasoup-worker binary (see tools/mediasoup-worker)',
  },
);

export const SfuNodeConfigSchema = z.object({
  ...baseEnv(3004),
  ...natsEnv,
  /**
   * The worker binary. mediasoup reads this variable itself when it is loaded; validating it
   * here turns a wrong path into a clear start-up error instead of a failed spawn later.
   */
  MEDIASOUP_WORKER_BIN: executableFile.optional(),
  MEDIASOUP_NUM_WORKERS: z.coerce.number().int().min(1).max(256).default(availableParallelism()),
  MEDIASOUP_LOG_LEVEL: z.enum(['debug', 'warn', 'error', 'none']).default('warn'),
});

export type SfuNodeConfig = z.output<typeof SfuNodeConfigSchema>;
