import { DEFAULT_SUBJECT_PREFIX, SubjectPrefix } from '@cascade/contracts';

/**
 * Which NATS subjects each Cascade service may publish and subscribe to: the one table that the
 * NATS server configuration (`deploy/nats/cascade-users.conf`, rendered by
 * {@link natsUsersConfig}) and the permission tests use. Derived from the subjects of
 * `@cascade/contracts` (`createSubjects`) and from what each service's code publishes, serves and
 * calls; a unit test checks each service's concrete subjects against it.
 *
 * - A service that answers requests needs no publish right on reply subjects: the server config
 *   gives every user `allow_responses` (one reply to each request it received).
 * - A service that sends requests receives the replies on its own inbox prefix
 *   (`_INBOX.<service>.`, see {@link natsInboxPrefix}), so it may subscribe there only and
 *   cannot read the replies meant for another service.
 * - No service uses JetStream today, so no user may reach the JetStream API (`$JS.API.>`).
 */
export const NATS_SERVICES = [
  'gateway',
  'identity',
  'rooms',
  'sfu-orchestrator',
  'sfu-node',
] as const;
export type NatsService = (typeof NATS_SERVICES)[number];

export interface NatsServicePermissions {
  publish: string[];
  subscribe: string[];
}

/** The inbox prefix a service's connection uses for replies to its requests. */
export const natsInboxPrefix = (service: string): string => `_INBOX.${service}`;

/** Every service's permissions under a deployment's subject prefix (`NATS_SUBJECT_PREFIX`). */
export function natsPermissions(
  prefix: string = DEFAULT_SUBJECT_PREFIX,
): Record<NatsService, NatsServicePermissions> {
  const p = SubjectPrefix.parse(prefix);
  const s = {
    sfuHeartbeat: `${p}.sfu.heartbeat.*`,
    sfuControl: `${p}.sfu.node.*.control`,
    sfuAdmin: `${p}.sfu.node.*.admin`,
    sfuPing: `${p}.sfu.node.*.ping`,
    sfuRoomEvents: `${p}.sfu.events.*.*.*`,
    sfuNodeEvents: `${p}.sfu.node-events.*`,
    orchestratorRequests: `${p}.orchestrator.requests`,
    orchestratorAdmin: `${p}.orchestrator.admin`,
    orchestratorInstance: `${p}.orchestrator.instance.*`,
    roomsAuthorizeJoin: `${p}.rooms.authorize-join`,
    roomsPresenceQuery: `${p}.rooms.presence-query`,
    roomsMemberRole: `${p}.rooms.member-role`,
    roomsCallBan: `${p}.rooms.call-ban`,
    roomsChatStore: `${p}.rooms.chat-store`,
    roomActivity: `${p}.room-activity.*.*`,
    identityFriendship: `${p}.identity.friendship`,
    identityTenantSettings: `${p}.identity.tenant-settings`,
    userEvents: `${p}.user-events.*.*`,
    roomEvents: `${p}.room-events.*.*`,
    revocations: `${p}.revocations.*`,
    roomRemovals: `${p}.room-removals.*.*`,
  };
  const inbox = (service: NatsService) => `${natsInboxPrefix(service)}.>`;
  return {
    gateway: {
      // Places joins, drives media on the nodes, asks rooms (joins, roles, bans, storing chat),
      // tells rooms what happens in calls, asks identity for a tenant's allowed origins (CORS).
      publish: [
        s.orchestratorRequests,
        s.sfuControl,
        s.roomsAuthorizeJoin,
        s.roomsMemberRole,
        s.roomsCallBan,
        s.roomsChatStore,
        s.roomActivity,
        s.identityTenantSettings,
      ],
      // Delivers media, room and user events, removals and revocations to its sockets.
      subscribe: [
        s.sfuRoomEvents,
        s.roomEvents,
        s.userEvents,
        s.roomRemovals,
        s.revocations,
        inbox('gateway'),
      ],
    },
    identity: {
      // Revocations for the gateways, friend notifications; asks rooms about presence and roles.
      publish: [s.revocations, s.userEvents, s.roomsPresenceQuery, s.roomsMemberRole],
      // Answers friendship and tenant settings; follows room activity for friends' presence.
      subscribe: [
        s.identityFriendship,
        s.identityTenantSettings,
        s.roomActivity,
        inbox('identity'),
      ],
    },
    rooms: {
      // Removals for the gateways, invitations; asks identity about friends and tenant limits.
      publish: [s.roomRemovals, s.userEvents, s.identityFriendship, s.identityTenantSettings],
      // Answers the gateways' and identity's questions; records room activity.
      subscribe: [
        s.roomsAuthorizeJoin,
        s.roomsPresenceQuery,
        s.roomsMemberRole,
        s.roomsCallBan,
        s.roomsChatStore,
        s.roomActivity,
        inbox('rooms'),
      ],
    },
    'sfu-orchestrator': {
      // Room events for the gateways; drives, drains and probes the nodes; forwards a room's work
      // to the replica that leads it; `cascade-admin` (run with its credentials) asks it.
      publish: [
        s.roomEvents,
        s.sfuControl,
        s.sfuAdmin,
        s.sfuPing,
        s.orchestratorInstance,
        s.orchestratorAdmin,
      ],
      subscribe: [
        s.sfuHeartbeat,
        s.sfuRoomEvents,
        s.sfuNodeEvents,
        s.orchestratorRequests,
        s.orchestratorAdmin,
        s.orchestratorInstance,
        inbox('sfu-orchestrator'),
      ],
    },
    'sfu-node': {
      // Heartbeats and media events; answers control, admin and ping requests (replies only).
      publish: [s.sfuHeartbeat, s.sfuRoomEvents, s.sfuNodeEvents],
      subscribe: [s.sfuControl, s.sfuAdmin, s.sfuPing, inbox('sfu-node')],
    },
  };
}

/** The environment variable that holds a service user's password in the rendered config. */
export const natsPasswordVariable = (service: NatsService): string =>
  `NATS_PASSWORD_${service.toUpperCase().replace(/-/g, '_')}`;

/**
 * The `authorization` block of a NATS server configuration with one user per service (the user
 * name is the service name) and its permissions. Passwords are references to environment
 * variables of the NATS server ({@link natsPasswordVariable}, e.g. `$NATS_PASSWORD_GATEWAY`)
 * unless given (tests): the file holds no secret.
 */
export function natsUsersConfig(
  options: { prefix?: string; passwords?: Partial<Record<NatsService, string>> } = {},
): string {
  const permissions = natsPermissions(options.prefix);
  const list = (subjects: string[]) => `[${subjects.map((x) => JSON.stringify(x)).join(', ')}]`;
  const users = NATS_SERVICES.map((service) => {
    const given = options.passwords?.[service];
    const password =
      given === undefined ? `$${natsPasswordVariable(service)}` : JSON.stringify(given);
    const { publish, subscribe } = permissions[service];
    return [
      `    {`,
      `      user: ${JSON.stringify(service)}`,
      `      password: ${password}`,
      `      permissions: {`,
      `        publish: { allow: ${list(publish)} }`,
      `        subscribe: { allow: ${list(subscribe)} }`,
      `        allow_responses: true`,
      `      }`,
      `    }`,
    ].join('\n');
  });
  return `authorization {\n  users: [\n${users.join('\n')}\n  ]\n}\n`;
}

/** Whether a NATS subject matches a subscription or permission pattern (`*`, `>`). */
export function natsSubjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const t = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return t.length > i;
    if (i >= t.length) return false;
    if (p[i] !== '*' && p[i] !== t[i]) return false;
  }
  return p.length === t.length;
}

/** Whether `service` may publish (or subscribe to) `subject` by the table. */
export function natsAllows(
  service: NatsService,
  action: keyof NatsServicePermissions,
  subject: string,
  prefix?: string,
): boolean {
  return natsPermissions(prefix)[service][action].some((pattern) =>
    natsSubjectMatches(pattern, subject),
  );
}
