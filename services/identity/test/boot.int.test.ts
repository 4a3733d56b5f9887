import { describeServiceBoot } from '@cascade/testing';

describeServiceBoot({ service: 'identity', uses: ['nats', 'postgres'] });
