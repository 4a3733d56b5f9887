import { baseEnv, natsEnv, postgresEnv } from '@cascade/server-kit';
import { z } from 'zod';

export const IdentityConfigSchema = z.object({
  ...baseEnv(3001),
  ...natsEnv,
  ...postgresEnv,
});

export type IdentityConfig = z.output<typeof IdentityConfigSchema>;
