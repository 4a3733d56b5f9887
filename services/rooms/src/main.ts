import { packageVersion, runService } from '@cascade/server-kit';

import { RoomsConfigSchema } from './config';

void runService({
  name: 'rooms',
  version: packageVersion(__dirname),
  configSchema: RoomsConfigSchema,
  uses: { nats: true, postgres: true },
  modules: () => [],
});
