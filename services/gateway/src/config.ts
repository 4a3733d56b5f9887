import { baseEnv, natsEnv, redisEnv } from '@cascade/server-kit';
import { z } from 'zod';

export const GatewayConfigSchema = z.object({
  ...baseEnv(3000),
  ...natsEnv,
  ...redisEnv,
});

export type GatewayConfig = z.output<typeof GatewayConfigSchema>;
