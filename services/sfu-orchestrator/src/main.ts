import { packageVersion, runService } from '@cascade/server-kit';

import { OrchestratorConfigSchema } from './config';
import { OrchestratorModule } from './orchestrator.module';

void runService({
  name: 'sfu-orchestrator',
  version: packageVersion(__dirname),
  configSchema: OrchestratorConfigSchema,
  uses: { nats: true, redis: true },
  modules: () => [OrchestratorModule],
});
