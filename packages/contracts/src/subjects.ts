import { z } from 'zod';

import { NodeId, RoomId, TenantId, UserId } from './ids';
import { parseOrThrow } from './validation';

/**
 * Every NATS subject Cascade uses, built by one function each, under a deployment-wide prefix
 * (`NATS_SUBJECT_PREFIX`, default `cascade`) so that several deployments, or several test runs,
 * share one NATS without hearing each other. Services never write a subject by hand.
 *
 * Tokens that come from data (node, tenant and room ids) are validated: a dot or a wildcard in
 * an id would otherwise change which subscribers a message reaches.
 */
export const SubjectPrefix = z
  .string()
  .min(1)
  .max(64)
  .regex(
    /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/,
    'must be dot-separated tokens of letters, digits, "_" and "-"',
  );

export const DEFAULT_SUBJECT_PREFIX = 'cascade';

/** Queue groups: each message on a subscribed subject is handled by one member of the group. */
export const QUEUE_GROUPS = {
  gateway: 'gateway',
  orchestrator: 'sfu-orchestrator',
  rooms: 'rooms',
  identity: 'identity',
} as const;

export function createSubjects(prefix: string = DEFAULT_SUBJECT_PREFIX) {
  const p = parseOrThrow(SubjectPrefix, prefix, 'NATS subject prefix');
  const node = (id: string) => parseOrThrow(NodeId, id, 'node id');
  const tenant = (id: string) => parseOrThrow(TenantId, id, 'tenant id');
  const room = (id: string) => parseOrThrow(RoomId, id, 'room id');

  return {
    prefix: p,
    /** Heartbeat published by one SFU node. */
    sfuHeartbeat: (nodeId: string) => `${p}.sfu.heartbeat.${node(nodeId)}`,
    /** Every SFU node's heartbeat (the orchestrator's registry subscribes here). */
    sfuHeartbeatAll: () => `${p}.sfu.heartbeat.*`,
    /** Request/reply control API of one SFU node (media operations, cascade pipes, dumps). */
    sfuNodeControl: (nodeId: string) => `${p}.sfu.node.${node(nodeId)}.control`,
    /** Admin requests of one SFU node (drain, undrain). */
    sfuNodeAdmin: (nodeId: string) => `${p}.sfu.node.${node(nodeId)}.admin`,
    /**
     * Liveness probe of one SFU node (request/reply, `SfuNodePingReply`): answered while its
     * process runs, "no responders" from NATS as soon as the process's connection is gone.
     */
    sfuNodePing: (nodeId: string) => `${p}.sfu.node.${node(nodeId)}.ping`,
    /** Media events of one SFU node about one room. */
    sfuRoomEvents: (nodeId: string, tenantId: string, roomId: string) =>
      `${p}.sfu.events.${node(nodeId)}.${tenant(tenantId)}.${room(roomId)}`,
    /** Media events of every SFU node about every room. */
    sfuRoomEventsAll: () => `${p}.sfu.events.*.*.*`,
    /** Node-level events (worker died, draining progress) of one SFU node. */
    sfuNodeEvents: (nodeId: string) => `${p}.sfu.node-events.${node(nodeId)}`,
    /** Every SFU node's node-level events. */
    sfuNodeEventsAll: () => `${p}.sfu.node-events.*`,
    /** Requests to the orchestrator (join placement, leave, consume planning, admin). */
    orchestratorRequests: () => `${p}.orchestrator.requests`,
    /** Operator requests to the orchestrator (list nodes and rooms, drain, undrain). */
    orchestratorAdmin: () => `${p}.orchestrator.admin`,
    /**
     * One orchestrator replica: a replica that receives work for a room another replica leads
     * forwards it here.
     */
    orchestratorInstance: (instanceId: string) =>
      `${p}.orchestrator.instance.${parseOrThrow(NodeId, instanceId, 'instance id')}`,
    /** Requests to the rooms service to authorize a join. */
    roomsAuthorizeJoin: () => `${p}.rooms.authorize-join`,
    /** Requests to the rooms service: which room is each of these users in now (presence). */
    roomsPresenceQuery: () => `${p}.rooms.presence-query`,
    /** Requests to the rooms service: this user's role in this room (owner, moderator, member). */
    roomsMemberRole: () => `${p}.rooms.member-role`,
    /** Requests to the rooms service: record a ban decided in a call (`CallBanRequest`). */
    roomsCallBan: () => `${p}.rooms.call-ban`,
    /**
     * Requests to the rooms service: store a chat message in the room's history
     * (`ChatStoreRequest`); the gateway acknowledges `chat.send` only once this is answered.
     */
    roomsChatStore: () => `${p}.rooms.chat-store`,
    /**
     * What happens in one room on the signaling path (participant joined or left), published by
     * the gateway or orchestrator and consumed by the rooms service (presence) with its queue
     * group, and by identity (friends' presence). Chat goes through `roomsChatStore` instead.
     */
    roomActivity: (tenantId: string, roomId: string) =>
      `${p}.room-activity.${tenant(tenantId)}.${room(roomId)}`,
    /** Every room's activity (the rooms service subscribes here with its queue group). */
    roomActivityAll: () => `${p}.room-activity.*.*`,
    /** Requests to the identity service: which of these users are friends of this user. */
    identityFriendship: () => `${p}.identity.friendship`,
    /** Requests to the identity service: a tenant's settings (rooms enforces its limits). */
    identityTenantSettings: () => `${p}.identity.tenant-settings`,
    /** Notifications for one user (an invitation, a friend request), delivered by the gateways. */
    userEvents: (tenantId: string, userId: string) =>
      `${p}.user-events.${tenant(tenantId)}.${parseOrThrow(UserId, userId, 'user id')}`,
    /** Every user's notifications (gateways subscribe here with their queue group). */
    userEventsAll: () => `${p}.user-events.*.*`,
    /** Events addressed to everyone in one room, delivered by the gateways. */
    roomEvents: (tenantId: string, roomId: string) =>
      `${p}.room-events.${tenant(tenantId)}.${room(roomId)}`,
    /** Events addressed to every room (gateways subscribe here with their queue group). */
    roomEventsAll: () => `${p}.room-events.*.*`,
    /**
     * Revocations of one tenant's credentials (API keys, sign-in sessions, users), published by
     * identity (`CredentialRevokedEvent`); every gateway instance subscribes, without a queue group.
     */
    credentialRevocations: (tenantId: string) => `${p}.revocations.${tenant(tenantId)}`,
    /** Every tenant's revocations (each gateway instance subscribes here). */
    credentialRevocationsAll: () => `${p}.revocations.*`,
    /**
     * People removed from one room by its moderation (ban, member removed, room closed),
     * published by the rooms service (`RoomRemovalEvent`) for the gateways (queue group).
     */
    roomRemovals: (tenantId: string, roomId: string) =>
      `${p}.room-removals.${tenant(tenantId)}.${room(roomId)}`,
    /** Every room's removals (gateways subscribe here with their queue group). */
    roomRemovalsAll: () => `${p}.room-removals.*.*`,
    /** Liveness probe of a service over NATS: any instance of the service answers. */
    servicePing: (service: string) => `${p}.ping.${parseOrThrow(NodeId, service, 'service name')}`,
  } as const;
}

export type Subjects = ReturnType<typeof createSubjects>;
