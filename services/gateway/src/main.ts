import { packageVersion, runService } from '@cascade/server-kit';

import { GatewayConfigSchema } from './config';

void runService({
  name: 'gateway',
  version: packageVersion(__dirname),
  configSchema: GatewayConfigSchema,
  uses: { nats: true, redis: true },
  modules: () => [],
});
