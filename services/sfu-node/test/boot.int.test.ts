import { describeServiceBoot } from '@cascade/testing';

describeServiceBoot({
  service: 'sfu-node',
  uses: ['nats'],
  env: { MEDIASOUP_NUM_WORKERS: '1' },
  extraChecks: ['mediasoup-workers'],
});
