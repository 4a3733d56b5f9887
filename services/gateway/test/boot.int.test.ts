import { describeServiceBoot } from '@cascade/testing';

describeServiceBoot({ service: 'gateway', uses: ['nats', 'redis'] });
