import { describeServiceBoot } from '@cascade/testing';

describeServiceBoot({ service: 'rooms', uses: ['nats', 'postgres'] });
