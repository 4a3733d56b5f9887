import { hostname } from 'node:os';

import { NodeId, deriveNodeId } from '@cascade/contracts';
import { ConfigError, loadConfig } from '@cascade/server-kit';

import { SfuNodeConfigSchema } from './config';

const load = (env: Record<string, string>) =>
  loadConfig('sfu-node', SfuNodeConfigSchema, { NATS_URL: 'nats://127.0.0.1:4222', ...env });

describe('sfu-node configuration: the node id', () => {
  it('takes a valid SFU_NODE_ID as it is', () => {
    expect(load({ SFU_NODE_ID: 'sfu-node-1' }).SFU_NODE_ID).toBe('sfu-node-1');
  });

  it('derives the id from a Kubernetes node name with dots instead of refusing to start', () => {
    const config = load({ SFU_NODE_ID: 'ip-10-0-0-1.eu-west-1.compute.internal' });
    expect(config.SFU_NODE_ID).toBe('ip-10-0-0-1_eu-west-1_compute_internal');
  });

  it('derives a valid id from a node name beyond the id length limit', () => {
    const name = `${'media-pool-'.repeat(12)}eu-west-1.compute.internal`;
    const id = load({ SFU_NODE_ID: name }).SFU_NODE_ID;
    expect(NodeId.safeParse(id).success).toBe(true);
    expect(id).toBe(deriveNodeId(name));
  });

  it('makes the pod name part of the id when SFU_POD_NAME is set', () => {
    const config = load({
      SFU_NODE_ID: 'ip-10-0-0-1.eu-west-1.compute.internal',
      SFU_POD_NAME: 'sfu-node-x7k2p',
    });
    expect(config.SFU_NODE_ID).toBe('ip-10-0-0-1_eu-west-1_compute_internal_sfu-node-x7k2p');
  });

  it('defaults to the id derived from the host name', () => {
    expect(load({}).SFU_NODE_ID).toBe(deriveNodeId(hostname()));
  });

  it('refuses a node name longer than any host name, by name', () => {
    expect(() => load({ SFU_NODE_ID: 'x'.repeat(256) })).toThrow(ConfigError);
    expect(() => load({ SFU_NODE_ID: 'x'.repeat(256) })).toThrow(/SFU_NODE_ID is invalid/);
  });
});

describe('sfu-node configuration: bandwidth estimation', () => {
  it('is off unless SFU_BWE_ENABLED turns it on', () => {
    expect(load({}).SFU_BWE_ENABLED).toBe(false);
    expect(load({ SFU_BWE_ENABLED: 'true' }).SFU_BWE_ENABLED).toBe(true);
  });

  it('refuses a value that is not a boolean, by name', () => {
    expect(() => load({ SFU_BWE_ENABLED: 'maybe' })).toThrow(/SFU_BWE_ENABLED/);
  });
});
