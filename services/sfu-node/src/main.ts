import { packageVersion, runService } from '@cascade/server-kit';

import { SfuNodeConfigSchema } from './config';
import { ControlModule } from './control/control.module';
import { HeartbeatModule } from './heartbeat/heartbeat.module';
import { MediaModule } from './media/media.module';

void runService({
  name: 'sfu-node',
  version: packageVersion(__dirname),
  configSchema: SfuNodeConfigSchema,
  uses: { nats: true },
  modules: () => [MediaModule, ControlModule, HeartbeatModule],
  shutdownTimeoutMs: (config) => config.SFU_DRAIN_GRACE_MS + config.SHUTDOWN_TIMEOUT_MS,
});
