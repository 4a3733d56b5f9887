import { loadConfig, natsConnectionOptions, natsEnv } from '@cascade/server-kit';
import { TcpProxy } from '@cascade/testing';
import { type NatsConnection, connect } from '@nats-io/transport-node';
import { z } from 'zod';

import { OrchestratorConfigSchema } from '../src/config';

/**
 * A silent NATS partition (packets dropped: no FIN, no RST) seen from a service's connection.
 *
 * The orchestrator counts no node's silence while its own NATS connection is down
 * (node-registry.ts), which is right only if it learns that its connection is down. A closed
 * connection says so at once; a silent partition says nothing, and only the client's keepalive
 * (NATS_PING_INTERVAL_MS, NATS_MAX_PINGS_OUT) can notice it. With nats.js's defaults (a ping
 * every 2 minutes) the heartbeat sweep would declare every live node dead long before. Real NATS
 * server (NATS_URL or 127.0.0.1:4222) behind the harness's TCP proxy in blackhole mode.
 */
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const PING_MS = 400;
const PINGS_OUT = 2;
/** When the service's options must have noticed: the keepalive's own bound, three times over. */
const NOTICE_BOUND_MS = 3 * PING_MS * (PINGS_OUT + 1);

/** Resolves with the first status of `type` on `nc`, or with 'none' after `ms`. */
async function nextStatus(nc: NatsConnection, type: string, ms: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('none'), ms);
  });
  const seen = (async () => {
    for await (const status of nc.status()) if (status.type === type) return type;
    return 'closed';
  })();
  return Promise.race([seen, timeout]).finally(() => clearTimeout(timer));
}

describe('a silent NATS partition', () => {
  let proxy: TcpProxy;
  const open: NatsConnection[] = [];

  beforeEach(async () => {
    const target = new URL(NATS_URL);
    proxy = await TcpProxy.start(target.hostname, Number(target.port || 4222));
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((nc) => nc.close().catch(() => undefined)));
    await proxy.stop();
  });

  function serviceOptions() {
    const config = loadConfig('sfu-orchestrator', z.object(natsEnv), {
      NATS_URL: proxy.rewrite(NATS_URL),
      NATS_PING_INTERVAL_MS: String(PING_MS),
      NATS_MAX_PINGS_OUT: String(PINGS_OUT),
    });
    return natsConnectionOptions(
      config,
      { name: 'sfu-orchestrator', version: 'test', instanceId: 'p1' },
      'test',
    );
  }

  it('is noticed by the services’ connection options, which reconnect once it heals', async () => {
    const nc = await connect({ ...serviceOptions(), reconnectTimeWait: 200 });
    open.push(nc);
    await nc.flush();

    const disconnect = nextStatus(nc, 'disconnect', NOTICE_BOUND_MS);
    proxy.blackhole();
    expect(await disconnect).toBe('disconnect');

    const reconnect = nextStatus(nc, 'reconnect', 10_000);
    await proxy.restore();
    expect(await reconnect).toBe('reconnect');
    // And it works again: a round trip through the server.
    await expect(nc.flush()).resolves.toBeUndefined();
  });

  it('goes unnoticed with nats.js’s default keepalive (what the options fix)', async () => {
    const { pingInterval: _p, maxPingOut: _m, ...defaults } = serviceOptions();
    const nc = await connect(defaults);
    open.push(nc);
    await nc.flush();

    const disconnect = nextStatus(nc, 'disconnect', NOTICE_BOUND_MS);
    proxy.blackhole();
    expect(await disconnect).toBe('none');
  });
});

describe('the orchestrator’s configuration', () => {
  const base = { NATS_URL, REDIS_URL: 'redis://127.0.0.1:6379' };

  it('refuses a keepalive that would notice its own partition only after nodes are dead', () => {
    const parsed = OrchestratorConfigSchema.safeParse({
      ...base,
      ORCH_NODE_DEAD_MS: '10000',
      NATS_PING_INTERVAL_MS: '5000',
      NATS_MAX_PINGS_OUT: '2',
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toContain('ORCH_NODE_DEAD_MS');
  });

  it('accepts the defaults (a partition noticed within 6 s, nodes dead after 10 s)', () => {
    const parsed = OrchestratorConfigSchema.parse(base);
    expect(parsed.NATS_PING_INTERVAL_MS * (parsed.NATS_MAX_PINGS_OUT + 1)).toBeLessThan(
      parsed.ORCH_NODE_DEAD_MS,
    );
  });
});
