import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createSubjects } from '@cascade/contracts';
import { type Msg, type NatsConnection, connect, errors } from '@nats-io/transport-node';
import { z } from 'zod';

import { loadConfig, natsEnv } from '../src/config';
import { natsConnectionOptions } from '../src/infra/nats.module';
import { NATS_SERVICES, type NatsService, natsUsersConfig } from '../src/infra/nats-permissions';

/**
 * The permission table enforced by a real NATS server: a nats-server of the test's own, on a free
 * port, configured with `natsUsersConfig()` (what `deploy/nats/cascade-users.conf` holds), and
 * each service connecting as its own user exactly as the services do (`natsConnectionOptions`
 * with `NATS_USER`/`NATS_PASSWORD`: its inbox prefix included). Each service can do what it
 * needs; what it must not do is refused by the server (a permissions violation the client sees)
 * and never reaches anyone.
 */
const sc = new TextEncoder();
const s = createSubjects('cascade');
const PASSWORDS = Object.fromEntries(
  NATS_SERVICES.map((service) => [service, `pw-${service}-${Math.random().toString(36).slice(2)}`]),
) as Record<NatsService, string>;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves with the permissions violation the server reports to `nc` for `operation` on `subject`. */
async function violation(
  nc: NatsConnection,
  operation: 'publish' | 'subscription',
  subject: string,
): Promise<void> {
  for await (const status of nc.status()) {
    if (
      status.type === 'error' &&
      status.error instanceof errors.PermissionViolationError &&
      status.error.operation === operation &&
      status.error.subject === subject
    )
      return;
  }
  throw new Error('the connection closed before the violation');
}

/** Fails after `ms` with `what` (every wait in this suite is bounded). */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

describe('NATS per-service users and subject permissions (a real nats-server)', () => {
  let server: ChildProcess;
  let dir: string;
  let url: string;
  const open: NatsConnection[] = [];

  /** A connection as `service` with the options the services use. */
  async function as(service: NatsService, password = PASSWORDS[service]): Promise<NatsConnection> {
    const config = loadConfig(service, z.object(natsEnv), {
      NATS_URL: url,
      NATS_USER: service,
      NATS_PASSWORD: password,
    });
    const nc = await connect({
      ...natsConnectionOptions(
        config,
        { name: service, version: 'test', instanceId: 'i1' },
        'test',
      ),
      waitOnFirstConnect: false,
      maxReconnectAttempts: 0,
    });
    open.push(nc);
    return nc;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cascade-nats-perms-'));
    const port = await freePort();
    url = `nats://127.0.0.1:${port}`;
    const conf = join(dir, 'nats.conf');
    writeFileSync(conf, `listen: 127.0.0.1:${port}\n` + natsUsersConfig({ passwords: PASSWORDS }));
    server = spawn('nats-server', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    let output = '';
    server.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await within(
      10_000,
      `nats-server to start (${output})`,
      (async () => {
        for (;;) {
          if (output.includes('Server is ready')) return;
          if (server.exitCode !== null) throw new Error(`nats-server exited: ${output}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      })(),
    );
  });

  afterAll(async () => {
    await Promise.all(open.map((nc) => nc.close().catch(() => undefined)));
    server?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a wrong password and an unknown user', async () => {
    await expect(as('gateway', 'not-the-password')).rejects.toBeInstanceOf(
      errors.AuthorizationError,
    );
    await expect(connect({ servers: url, maxReconnectAttempts: 0 })).rejects.toBeInstanceOf(
      errors.AuthorizationError,
    );
  });

  it('lets each service request and answer what it needs (replies on its own inbox)', async () => {
    const [gateway, rooms, identity, orchestrator, node] = await Promise.all([
      as('gateway'),
      as('rooms'),
      as('identity'),
      as('sfu-orchestrator'),
      as('sfu-node'),
    ]);
    const replyTo: string[] = [];
    const answer = (nc: NatsConnection, subject: string) =>
      nc.subscribe(subject, {
        callback: (_e, m: Msg) => {
          replyTo.push(m.reply ?? '');
          m.respond(sc.encode(`ok ${subject}`));
        },
      });
    answer(rooms, s.roomsAuthorizeJoin());
    answer(rooms, s.roomsMemberRole());
    answer(identity, s.identityTenantSettings());
    answer(orchestrator, s.orchestratorRequests());
    answer(node, s.sfuNodeControl('n1'));
    answer(node, s.sfuNodePing('n1'));
    await Promise.all([rooms, identity, orchestrator, node].map((nc) => nc.flush()));
    const asks: Array<[NatsConnection, string]> = [
      [gateway, s.roomsAuthorizeJoin()],
      [gateway, s.orchestratorRequests()],
      [gateway, s.sfuNodeControl('n1')],
      [gateway, s.identityTenantSettings()],
      [identity, s.roomsMemberRole()],
      [rooms, s.identityTenantSettings()],
      [orchestrator, s.sfuNodeControl('n1')],
      [orchestrator, s.sfuNodePing('n1')],
    ];
    for (const [nc, subject] of asks) {
      const reply = await nc.request(subject, sc.encode('?'), { timeout: 5_000 });
      expect(reply.string()).toBe(`ok ${subject}`);
    }
    // Each asked on its own inbox prefix, the only one its user may subscribe to.
    expect(replyTo.map((r) => r.split('.').slice(0, 2).join('.'))).toEqual([
      '_INBOX.gateway',
      '_INBOX.gateway',
      '_INBOX.gateway',
      '_INBOX.gateway',
      '_INBOX.identity',
      '_INBOX.rooms',
      '_INBOX.sfu-orchestrator',
      '_INBOX.sfu-orchestrator',
    ]);
  });

  it('delivers the events each service publishes to the services that follow them', async () => {
    const [gateway, identity, rooms, node, orchestrator] = await Promise.all([
      as('gateway'),
      as('identity'),
      as('rooms'),
      as('sfu-node'),
      as('sfu-orchestrator'),
    ]);
    const first = (nc: NatsConnection, subject: string) => {
      const sub = nc.subscribe(subject, { max: 1 });
      return (async () => {
        for await (const m of sub) return m.subject;
        throw new Error(`no message on ${subject}`);
      })();
    };
    const revocation = first(gateway, s.credentialRevocationsAll());
    const removal = first(gateway, s.roomRemovalsAll());
    const activity = first(rooms, s.roomActivityAll());
    const heartbeat = first(orchestrator, s.sfuHeartbeatAll());
    await Promise.all([gateway, rooms, orchestrator].map((nc) => nc.flush()));
    identity.publish(s.credentialRevocations('acme'), sc.encode('{}'));
    rooms.publish(s.roomRemovals('acme', 'r1'), sc.encode('{}'));
    gateway.publish(s.roomActivity('acme', 'r1'), sc.encode('{}'));
    node.publish(s.sfuHeartbeat('n1'), sc.encode('{}'));
    await within(5_000, 'events', Promise.all([revocation, removal, activity, heartbeat])).then(
      (subjects) =>
        expect(subjects).toEqual([
          s.credentialRevocations('acme'),
          s.roomRemovals('acme', 'r1'),
          s.roomActivity('acme', 'r1'),
          s.sfuHeartbeat('n1'),
        ]),
    );
  });

  it('refuses a gateway that publishes revocations or removals, and nobody receives them', async () => {
    const [gateway, listener] = await Promise.all([as('gateway'), as('gateway')]);
    const heard: string[] = [];
    listener.subscribe(s.credentialRevocationsAll(), {
      callback: (_e, m) => void heard.push(m.subject),
    });
    listener.subscribe(s.roomRemovalsAll(), { callback: (_e, m) => void heard.push(m.subject) });
    await listener.flush();
    for (const subject of [s.credentialRevocations('acme'), s.roomRemovals('acme', 'r1')]) {
      const refused = violation(gateway, 'publish', subject);
      gateway.publish(subject, sc.encode('{"forged":true}'));
      await within(5_000, `violation for ${subject}`, refused);
    }
    // A publish that is allowed, made after the server refused the others, arrives: had the
    // refused ones gone through, they would have reached the listener before it.
    const identity = await as('identity');
    const marker = s.credentialRevocations('marker');
    const got = new Promise<void>((resolve) =>
      listener.subscribe(marker, { callback: () => resolve() }),
    );
    await listener.flush();
    identity.publish(marker, sc.encode('{}'));
    await within(5_000, 'the marker', got);
    expect(heard).toEqual([marker]);
  });

  it('refuses subscriptions outside a service’s table: an sfu-node cannot read identity’s or others’ replies', async () => {
    const node = await as('sfu-node');
    for (const subject of [
      s.identityFriendship(),
      s.identityTenantSettings(),
      s.credentialRevocationsAll(),
      s.userEventsAll(),
      '_INBOX.gateway.>',
      '_INBOX.>',
    ]) {
      const refused = violation(node, 'subscription', subject);
      const sub = node.subscribe(subject);
      await within(5_000, `violation for ${subject}`, refused);
      const ended = await within(
        5_000,
        `${subject} closed`,
        sub.closed.then(
          () => true,
          () => true,
        ),
      );
      expect(ended).toBe(true);
    }
  });

  it('refuses requests a service must not make (the caller gets the violation, not a timeout)', async () => {
    const [node, rooms] = await Promise.all([as('sfu-node'), as('rooms')]);
    // nats.js v3 rejects the request with a RequestError caused by the server's violation.
    const refusal = async (request: Promise<unknown>) => {
      const error: unknown = await request.then(
        () => new Error('the request was answered'),
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(errors.RequestError);
      const cause = (error as Error).cause;
      expect(cause).toBeInstanceOf(errors.PermissionViolationError);
      return cause as InstanceType<typeof errors.PermissionViolationError>;
    };
    expect(
      await refusal(node.request(s.orchestratorRequests(), sc.encode('{}'), { timeout: 5_000 })),
    ).toMatchObject({ operation: 'publish', subject: s.orchestratorRequests() });
    expect(
      await refusal(rooms.request('$JS.API.INFO', sc.encode(''), { timeout: 5_000 })),
    ).toMatchObject({ operation: 'publish', subject: '$JS.API.INFO' });
  });
});
