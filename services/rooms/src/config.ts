import { baseEnv, natsEnv, postgresEnv } from '@cascade/server-kit';
import { z } from 'zod';

export const RoomsConfigSchema = z.object({
  ...baseEnv(3002),
  ...natsEnv,
  ...postgresEnv,
});

export type RoomsConfig = z.output<typeof RoomsConfigSchema>;
