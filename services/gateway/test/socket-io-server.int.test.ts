import {
  type IncomingHttpHeaders,
  type Server as HttpServer,
  createServer,
  request,
} from 'node:http';
import type { AddressInfo } from 'node:net';

import { createSubjects, wireJson } from '@cascade/contracts';
import { type NatsBus, loadConfig } from '@cascade/server-kit';
import { eventually, useInfrastructure } from '@cascade/testing';
import { Redis } from 'ioredis';
import { type NatsConnection, connect as natsConnect } from '@nats-io/transport-node';
import { type Socket as ClientSocket, io as connect } from 'socket.io-client';

import { GatewayConfigSchema } from '../src/config';
import { roomChannel } from '../src/signaling/channels';
import { SocketIoServer } from '../src/signaling/socket-io.server';

/**
 * The gateway's Socket.IO server as browsers and other gateways meet it, on a real Redis and
 * NATS: the CORS answer to a cross-origin long-polling handshake (the deployment's origins, and a
 * tenant's own, asked of identity over NATS), and broadcasts between two gateways through the
 * sharded (Redis 7 SPUBLISH/SSUBSCRIBE) adapter.
 */
const infra = useInfrastructure({ redis: true, nats: true });
const TENANT_ORIGIN = 'https://meet.acme.example';
let nats: NatsConnection;

/** identity's side of `identity.tenant-settings`: tenant acme allows TENANT_ORIGIN. */
beforeAll(async () => {
  nats = await natsConnect({ servers: infra().env['NATS_URL'] });
  const subject = createSubjects(infra().env['NATS_SUBJECT_PREFIX']).identityTenantSettings();
  nats.subscribe(subject, {
    callback: (_error, msg) => {
      const { tenantId } = wireJson.decode(msg.data) as { tenantId: string };
      msg.respond(
        wireJson.encode(
          tenantId === 'acme'
            ? {
                ok: true,
                data: {
                  maxRoomCapacity: 100,
                  allowedOrigins: [TENANT_ORIGIN],
                  chatRetentionDays: null,
                },
              }
            : { ok: false, error: { code: 'NOT_FOUND', message: 'no such tenant' } },
        ),
      );
    },
  });
  await nats.flush();
});

/** The gateway's requests to identity, over the suite's NATS (as NatsBus.request does). */
const bus = {
  request: async (subject: string, value: unknown, timeoutMs: number) =>
    wireJson.decode(
      (await nats.request(subject, wireJson.encode(value), { timeout: timeoutMs })).data,
    ),
} as unknown as NatsBus;
const APP_ORIGIN = 'https://app.example.com';

const started: Array<{ server: SocketIoServer; http: HttpServer }> = [];
const clients: ClientSocket[] = [];

/** A gateway's Socket.IO server with `env` on top of the suite's, listening on a free port. */
async function gateway(
  env: Record<string, string>,
): Promise<{ server: SocketIoServer; url: string }> {
  const config = loadConfig('gateway', GatewayConfigSchema, {
    NATS_URL: 'nats://127.0.0.1:4222', // required by the configuration; not used here
    ...infra().env,
    GATEWAY_AUTH_JWKS_URL: 'http://127.0.0.1:9/.well-known/jwks.json',
    ...env,
  });
  const server = new SocketIoServer(
    config,
    { name: 'gateway', version: 'test', instanceId: `gw-${started.length + 1}` },
    bus,
  );
  const http = createServer();
  server.io.attach(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  started.push({ server, http });
  return { server, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
}

afterAll(async () => {
  for (const c of clients) c.disconnect();
  for (const { server, http } of started) {
    await server.onApplicationShutdown();
    await new Promise((resolve) => http.close(resolve));
  }
  await nats?.close();
});

/** An Engine.IO long-polling request as a page on `origin` sends it. */
function polling(
  url: string,
  origin: string,
  method: 'GET' | 'OPTIONS' = 'GET',
  tenant?: string,
): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/socket.io/?EIO=4&transport=polling${tenant === undefined ? '' : `&tenant=${tenant}`}`,
      {
        method,
        headers: {
          Origin: origin,
          ...(method === 'OPTIONS' ? { 'Access-Control-Request-Method': 'POST' } : {}),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('the gateway answering cross-origin long-polling', () => {
  it('echoes an allowed origin with credentials, so its page may send the sticky cookie', async () => {
    const { url } = await gateway({ GATEWAY_CORS_ORIGINS: `${APP_ORIGIN},https://other.example` });
    for (const method of ['OPTIONS', 'GET'] as const) {
      const { status, headers } = await polling(url, APP_ORIGIN, method);
      expect({ method, status: status < 300 }).toEqual({ method, status: true });
      expect(headers['access-control-allow-origin']).toBe(APP_ORIGIN);
      expect(headers['access-control-allow-credentials']).toBe('true');
      expect(headers['vary']).toMatch(/Origin/);
    }
  });

  it('gives a foreign origin no CORS allowance at all', async () => {
    const { url } = await gateway({ GATEWAY_CORS_ORIGINS: APP_ORIGIN });
    for (const method of ['OPTIONS', 'GET'] as const) {
      const { headers } = await polling(url, 'https://evil.example', method);
      expect(headers['access-control-allow-origin']).toBeUndefined();
      expect(headers['access-control-allow-credentials']).toBeUndefined();
    }
  });

  it('answers a tenant’s allowed origin, from identity, for requests that name the tenant', async () => {
    const { url } = await gateway({ GATEWAY_CORS_ORIGINS: APP_ORIGIN });
    for (const method of ['OPTIONS', 'GET'] as const) {
      const { headers } = await polling(url, TENANT_ORIGIN, method, 'acme');
      expect(headers['access-control-allow-origin']).toBe(TENANT_ORIGIN);
      expect(headers['access-control-allow-credentials']).toBe('true');
    }
    // Not for another tenant, an unknown one, or without naming one.
    for (const tenant of ['beta', undefined]) {
      const { headers } = await polling(url, TENANT_ORIGIN, 'GET', tenant);
      expect({ tenant, cors: headers['access-control-allow-origin'] }).toEqual({
        tenant,
        cors: undefined,
      });
    }
    // A foreign origin naming the tenant gets nothing either.
    const { headers } = await polling(url, 'https://evil.example', 'GET', 'acme');
    expect(headers['access-control-allow-origin']).toBeUndefined();
  });

  it('allows no other origin by default (same-origin only)', async () => {
    const { url } = await gateway({});
    const { headers } = await polling(url, APP_ORIGIN);
    expect(headers['access-control-allow-origin']).toBeUndefined();
    expect(headers['access-control-allow-credentials']).toBeUndefined();
  });
});

describe('two gateways on the sharded Redis adapter', () => {
  it('deliver a broadcast from one gateway to a socket on the other, over sharded channels', async () => {
    const sharded = { GATEWAY_SOCKETIO_ADAPTER: 'sharded' };
    const one = await gateway(sharded);
    const two = await gateway(sharded);
    const channel = roomChannel('acme', 'standup');
    two.server.io.on('connection', (socket) => void socket.join(channel));

    const client = connect(two.url, { transports: ['websocket'], forceNew: true });
    clients.push(client);
    const received: unknown[] = [];
    client.on('speaker.active', (payload: unknown) => received.push(payload));
    await new Promise<void>((resolve, reject) => {
      client.once('connect', resolve);
      client.once('connect_error', reject);
    });

    // The room's shard channel is subscribed once the socket has joined: broadcast until then.
    const payload = { participantId: 'p_1', producerId: 'pr_1' };
    await eventually(
      'the broadcast from gateway one on the socket of gateway two',
      () => {
        one.server.toRoom('acme', 'standup', 'speaker.active', payload);
        return received.length;
      },
      (n) => n > 0,
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(received[0]).toEqual(payload);

    // Sharded pub/sub (SSUBSCRIBE), not the classic PSUBSCRIBE of the default adapter.
    const redis = new Redis(infra().env['REDIS_URL']!);
    try {
      const prefix = `${infra().env['REDIS_KEY_PREFIX'] ?? ''}socket.io`;
      const shardChannels = (await redis.call('PUBSUB', 'SHARDCHANNELS', `${prefix}*`)) as string[];
      expect(shardChannels).toEqual(expect.arrayContaining([expect.stringContaining(channel)]));
    } finally {
      redis.disconnect();
    }
  });
});
