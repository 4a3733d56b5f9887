import { describeServiceBoot } from '@cascade/testing';

describeServiceBoot({
  service: 'sfu-orchestrator',
  uses: ['nats', 'redis'],
  extraChecks: ['node-registry'],
});
