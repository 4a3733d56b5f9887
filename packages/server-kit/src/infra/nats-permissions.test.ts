import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { createSubjects } from '@cascade/contracts';

import {
  NATS_SERVICES,
  type NatsService,
  natsAllows,
  natsPermissions,
  natsSubjectMatches,
  natsUsersConfig,
} from './nats-permissions';

const s = createSubjects('cascade');
const [N, T, R, U] = ['ip-10-0-0-1_eu-west-1', 'acme', 'r_1', 'u_1'];

/** What each service's code publishes (or requests) and subscribes to (or serves), concretely. */
const USES: Record<NatsService, { publish: string[]; subscribe: string[] }> = {
  gateway: {
    publish: [
      s.orchestratorRequests(),
      s.sfuNodeControl(N),
      s.roomsAuthorizeJoin(),
      s.roomsMemberRole(),
      s.roomsCallBan(),
      s.roomsChatStore(),
      s.roomActivity(T, R),
    ],
    subscribe: [
      s.sfuRoomEventsAll(),
      s.roomEventsAll(),
      s.userEventsAll(),
      s.roomRemovalsAll(),
      s.credentialRevocationsAll(),
      '_INBOX.gateway.abc.1',
    ],
  },
  identity: {
    publish: [
      s.credentialRevocations(T),
      s.userEvents(T, U),
      s.roomsPresenceQuery(),
      s.roomsMemberRole(),
    ],
    subscribe: [
      s.identityFriendship(),
      s.identityTenantSettings(),
      s.roomActivityAll(),
      '_INBOX.identity.abc.1',
    ],
  },
  rooms: {
    publish: [
      s.roomRemovals(T, R),
      s.userEvents(T, U),
      s.identityFriendship(),
      s.identityTenantSettings(),
    ],
    subscribe: [
      s.roomsAuthorizeJoin(),
      s.roomsPresenceQuery(),
      s.roomsMemberRole(),
      s.roomsCallBan(),
      s.roomsChatStore(),
      s.roomActivityAll(),
      '_INBOX.rooms.abc.1',
    ],
  },
  'sfu-orchestrator': {
    publish: [
      s.roomEvents(T, R),
      s.sfuNodeControl(N),
      s.sfuNodeAdmin(N),
      s.sfuNodePing(N),
      s.orchestratorInstance('o_1'),
      s.orchestratorAdmin(),
    ],
    subscribe: [
      s.sfuHeartbeatAll(),
      s.sfuRoomEventsAll(),
      s.sfuNodeEventsAll(),
      s.orchestratorRequests(),
      s.orchestratorAdmin(),
      s.orchestratorInstance('o_1'),
      '_INBOX.sfu-orchestrator.abc.1',
    ],
  },
  'sfu-node': {
    publish: [s.sfuHeartbeat(N), s.sfuRoomEvents(N, T, R), s.sfuNodeEvents(N)],
    subscribe: [s.sfuNodeControl(N), s.sfuNodeAdmin(N), s.sfuNodePing(N), '_INBOX.sfu-node.abc.1'],
  },
};

/** What each service must not do (another service's job, or reading what is not its). */
const REFUSED: Record<NatsService, { publish: string[]; subscribe: string[] }> = {
  gateway: {
    publish: [
      s.credentialRevocations(T),
      s.roomRemovals(T, R),
      s.sfuNodeAdmin(N),
      s.roomEvents(T, R),
      s.userEvents(T, U),
      '$JS.API.INFO',
    ],
    subscribe: [
      s.identityFriendship(),
      s.sfuNodeControl(N),
      '_INBOX.identity.abc.1',
      '_INBOX.>',
      '>',
    ],
  },
  identity: {
    publish: [
      s.roomRemovals(T, R),
      s.sfuNodeControl(N),
      s.orchestratorRequests(),
      s.roomActivity(T, R),
      s.roomsChatStore(),
    ],
    subscribe: [
      s.credentialRevocationsAll(),
      s.roomsAuthorizeJoin(),
      s.roomsChatStore(),
      s.userEventsAll(),
    ],
  },
  rooms: {
    publish: [s.credentialRevocations(T), s.sfuNodeControl(N), s.roomEvents(T, R)],
    subscribe: [s.identityFriendship(), s.credentialRevocationsAll(), s.sfuRoomEventsAll()],
  },
  'sfu-orchestrator': {
    publish: [
      s.credentialRevocations(T),
      s.userEvents(T, U),
      s.sfuHeartbeat(N),
      s.roomsAuthorizeJoin(),
    ],
    subscribe: [s.credentialRevocationsAll(), s.identityFriendship(), s.roomActivityAll()],
  },
  'sfu-node': {
    publish: [
      s.credentialRevocations(T),
      s.roomEvents(T, R),
      s.sfuNodeControl(N),
      s.orchestratorRequests(),
    ],
    subscribe: [
      s.identityFriendship(),
      s.identityTenantSettings(),
      s.credentialRevocationsAll(),
      s.userEventsAll(),
      s.roomActivityAll(),
      s.orchestratorRequests(),
    ],
  },
};

describe('NATS permissions per service', () => {
  it('matches subjects like the NATS server', () => {
    expect(natsSubjectMatches('a.*.c', 'a.b.c')).toBe(true);
    expect(natsSubjectMatches('a.*.c', 'a.b.d')).toBe(false);
    expect(natsSubjectMatches('a.*', 'a.b.c')).toBe(false);
    expect(natsSubjectMatches('a.>', 'a.b.c')).toBe(true);
    expect(natsSubjectMatches('a.>', 'a')).toBe(false);
    expect(natsSubjectMatches('a.b', 'a.b')).toBe(true);
    // A wildcard subscription is allowed only by a pattern at least as wide.
    expect(natsSubjectMatches('a.*.*', 'a.*.*')).toBe(true);
    expect(natsSubjectMatches('a.b.*', 'a.*.*')).toBe(false);
  });

  it.each(NATS_SERVICES)('%s may do what its code does', (service) => {
    for (const action of ['publish', 'subscribe'] as const)
      for (const subject of USES[service][action])
        expect([action, subject, natsAllows(service, action, subject)]).toEqual([
          action,
          subject,
          true,
        ]);
  });

  it.each(NATS_SERVICES)('%s may not do what other services do', (service) => {
    for (const action of ['publish', 'subscribe'] as const)
      for (const subject of REFUSED[service][action])
        expect([action, subject, natsAllows(service, action, subject)]).toEqual([
          action,
          subject,
          false,
        ]);
  });

  it('follows the deployment subject prefix', () => {
    const p = natsPermissions('staging.cascade');
    expect(p.gateway.publish).toContain('staging.cascade.orchestrator.requests');
    expect(
      natsAllows('gateway', 'publish', 'cascade.orchestrator.requests', 'staging.cascade'),
    ).toBe(false);
    expect(() => natsPermissions('bad prefix')).toThrow();
  });

  it('is what deploy/nats/cascade-users.conf says (regenerate: npm run build -w @cascade/server-kit && npm run -s nats-users -w @cascade/server-kit > deploy/nats/cascade-users.conf)', () => {
    const file = readFileSync(
      join(__dirname, '../../../../deploy/nats/cascade-users.conf'),
      'utf8',
    );
    const body = file.replace(/^#.*\n/gm, '');
    expect(body).toBe(natsUsersConfig());
    for (const service of NATS_SERVICES) expect(file).toContain(`user: "${service}"`);
    expect(file).not.toMatch(/password: "/); // references to the server's environment only
  });
});
