import { packageVersion, runService } from '@cascade/server-kit';

import { SfuNodeConfigSchema } from './config';
import { WorkersModule } from './workers/workers.module';

void runService({
  name: 'sfu-node',
  version: packageVersion(__dirname),
  configSchema: SfuNodeConfigSchema,
  uses: { nats: true },
  modules: () => [WorkersModule],
});
