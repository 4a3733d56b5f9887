import { baseEnv, natsEnv, redisEnv } from '@cascade/server-kit';
import { z } from 'zod';

export const OrchestratorConfigSchema = z.object({
  ...baseEnv(3003),
  ...natsEnv,
  ...redisEnv,
});

export type OrchestratorConfig = z.output<typeof OrchestratorConfigSchema>;
