import { z } from 'zod';

import { type ErrorEnvelope } from '../errors';
import { DisplayName } from '../identity';
import { Identifier, MediaObjectId, ParticipantId, Region, RoomId, TenantId, UserId } from '../ids';
import { PROTOCOL_VERSION } from '../protocol';
import { type Reply } from '../reply';
import { CHAT_MESSAGE_MAX_LENGTH, ParticipantLeftReason } from '../rooms/activity';
import { ParticipantRole, RoomGrants } from '../tokens';
import { UserEvent } from '../user-events';
import {
  DtlsParameters,
  IceCandidate,
  IceParameters,
  MediaKind,
  MediaSource,
  RtpCapabilities,
  RtpParameters,
  SctpCapabilities,
  SctpParameters,
} from '../sfu/media-types';
import { ClientView, ProducerLayers, SetViewResult } from './view';

export * from './view';

/**
 * The client⇄gateway signaling protocol (Socket.IO 4), version {@link PROTOCOL_VERSION}.
 *
 * - **Handshake** (`io(url, { auth })`): {@link SignalingHandshake}. A join token binds the
 *   socket to its tenant, user and room grants; a resume token takes back a session whose socket
 *   dropped less than the grace period ago. Refusals arrive as `connect_error` whose `data` is
 *   an {@link ErrorEnvelope}.
 * - **Requests**: `socket.emit(method, payload, ack)` for each method of
 *   {@link SignalingRequests}; the acknowledgement is a `Reply` (`{ ok: true, data }` or
 *   `{ ok: false, error }`). Every payload is validated; unknown fields are refused.
 * - **Events** from the server: `socket.on(name, payload)` for each of {@link SignalingEvents}.
 *
 * Everything is scoped by the socket's token: a client never names a tenant, and can only reach
 * the room its token grants.
 */

/** Largest request payload the gateway accepts, in bytes of JSON. */
export const SIGNALING_MAX_BYTES = 64 * 1024;

/**
 * Handshake `auth` object: exactly one way in.
 * - `token` (a join token) or `resumeToken`: a **room socket**, bound to one room's session.
 * - `accessToken` (the user's access token, audience `cascade-api`): a **user connection**, in
 *   no room, that only receives the user's notifications (`user.notification`) while the app
 *   is open; it may send no request but `user.ping`.
 */
export const SignalingHandshake = z
  .object({
    protocolVersion: z.number().int().positive(),
    /** A join token (JWT, audience `cascade-join`). */
    token: z.string().min(1).max(8_192).optional(),
    /** The resume token a previous `room.join` answered with, to take a dropped session back. */
    resumeToken: z.string().min(16).max(256).optional(),
    /** An access token (JWT, audience `cascade-api`): a user connection in no room. */
    accessToken: z.string().min(1).max(8_192).optional(),
  })
  .strict()
  .refine(
    (h) => h.token !== undefined || h.resumeToken !== undefined || h.accessToken !== undefined,
    {
      message: 'token, resumeToken or accessToken is required',
      path: ['token'],
    },
  )
  .refine(
    (h) => h.accessToken === undefined || (h.token === undefined && h.resumeToken === undefined),
    {
      message: 'accessToken opens a user connection: give it alone',
      path: ['accessToken'],
    },
  );

/** Requests a user connection (handshake `accessToken`) may send; everything else is refused. */
export const USER_CONNECTION_METHODS = ['user.ping'] as const;
export type SignalingHandshake = z.infer<typeof SignalingHandshake>;

export { PROTOCOL_VERSION as SIGNALING_PROTOCOL_VERSION };

// ── shared shapes ──────────────────────────────────────────────────────────────────────────

/** How many viewers a room has (`room.viewers`, `participant.list`, the join answer). */
export const ViewerCount = z.number().int().nonnegative();

export const ParticipantInfo = z.object({
  participantId: ParticipantId,
  userId: UserId,
  displayName: DisplayName,
  joinedAt: z.number().int().positive(),
});
export type ParticipantInfo = z.infer<typeof ParticipantInfo>;

export const ProducerInfo = z.object({
  producerId: MediaObjectId,
  participantId: ParticipantId,
  kind: MediaKind,
  source: MediaSource,
  paused: z.boolean(),
});
export type ProducerInfo = z.infer<typeof ProducerInfo>;

/** The sources a moderator may mute (`participant.mute`). */
export const ModeratedSource = MediaSource.extract(['microphone', 'camera']);
export type ModeratedSource = z.infer<typeof ModeratedSource>;

/** An ICE server (STUN/TURN) for the client's RTCPeerConnection. */
export const IceServer = z.object({
  urls: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  username: z.string().optional(),
  credential: z.string().optional(),
});
export type IceServer = z.infer<typeof IceServer>;

export const TransportDirection = z.enum(['send', 'recv']);
export type TransportDirection = z.infer<typeof TransportDirection>;

export const TransportInfo = z.object({
  transportId: MediaObjectId,
  direction: TransportDirection,
  iceParameters: IceParameters,
  iceCandidates: z.array(IceCandidate),
  dtlsParameters: DtlsParameters,
  sctpParameters: SctpParameters.optional(),
});
export type TransportInfo = z.infer<typeof TransportInfo>;

export const ConsumerInfo = z.object({
  consumerId: MediaObjectId,
  producerId: MediaObjectId,
  participantId: ParticipantId,
  kind: MediaKind,
  source: MediaSource,
  rtpParameters: RtpParameters,
  type: z.enum(['simple', 'simulcast', 'svc', 'pipe']),
  producerPaused: z.boolean(),
  /** Consumers start paused: the client resumes once its side is ready. */
  paused: z.boolean(),
});
export type ConsumerInfo = z.infer<typeof ConsumerInfo>;

export const SignalingChatMessage = z.object({
  messageId: Identifier,
  participantId: ParticipantId,
  userId: UserId,
  displayName: DisplayName,
  text: z.string().min(1).max(CHAT_MESSAGE_MAX_LENGTH),
  at: z.number().int().positive(),
});
export type SignalingChatMessage = z.infer<typeof SignalingChatMessage>;

/** What a client is told when it joins, and again when it resumes or rejoins. */
export const JoinResult = z.object({
  protocolVersion: z.number().int().positive(),
  tenantId: TenantId,
  roomId: RoomId,
  participantId: ParticipantId,
  userId: UserId,
  displayName: DisplayName,
  grants: RoomGrants,
  /** `viewer` when the token grants subscribe without publish (see {@link ParticipantRole}). */
  role: ParticipantRole,
  /** Secret that takes this session back after a dropped connection (see `session.resume`). */
  resumeToken: z.string().min(16).max(256),
  /** How long the session outlives its socket, in milliseconds. */
  resumeGraceMs: z.number().int().nonnegative(),
  rtpCapabilities: RtpCapabilities,
  iceServers: z.array(IceServer),
  /** Every other speaker in the room (viewers are not listed), and what they publish. */
  participants: z.array(ParticipantInfo),
  producers: z.array(ProducerInfo),
  /** How many viewers the room has, this participant included when it is one. */
  viewers: ViewerCount,
  /**
   * What the join made because its request asked (`media`): the transports, and paused
   * consumers of the room's producers for the client to take and resume. What could not be
   * made is missing (the client asks for it as usual); absent when nothing was asked.
   */
  media: z
    .object({ transports: z.array(TransportInfo), consumers: z.array(ConsumerInfo) })
    .optional(),
});
export type JoinResult = z.infer<typeof JoinResult>;

/** Most consumers of each kind a join makes for its client (`room.join` `media.consume`). */
export const JOIN_CONSUME_MAX = 25;

/**
 * Media a `room.join` makes in the same round trip, so that a joiner does not wait for one
 * request after another before its first remote frame: its transports, and consumers of the
 * producers already in the room (each transport needs its grant: `send` publish, `recv`
 * subscribe). Consumers are for this client's receive capabilities: audio of everyone (up to
 * {@link JOIN_CONSUME_MAX}), and the video of up to `videos` participants in the order a grid
 * shows them (screen shares, the active speaker, then by when they joined).
 */
export const JoinMediaRequest = z
  .object({
    transports: z
      .array(TransportDirection)
      .min(1)
      .max(2)
      .refine((d) => new Set(d).size === d.length, 'each direction at most once'),
    sctpCapabilities: SctpCapabilities.optional(),
    consume: z
      .object({
        rtpCapabilities: RtpCapabilities,
        audio: z.boolean(),
        videos: z.number().int().min(0).max(JOIN_CONSUME_MAX),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((m) => !m.consume || m.transports.includes('recv'), {
    message: 'consume needs the recv transport',
    path: ['consume'],
  });
export type JoinMediaRequest = z.infer<typeof JoinMediaRequest>;

export const ResumeResult = JoinResult.extend({
  /** The session's transports that are still alive on its node (restart their ICE). */
  transports: z.array(z.object({ transportId: MediaObjectId, direction: TransportDirection })),
  /** Its producers and consumers that are still alive. */
  producerIds: z.array(MediaObjectId),
  consumerIds: z.array(MediaObjectId),
});
export type ResumeResult = z.infer<typeof ResumeResult>;

// ── requests ───────────────────────────────────────────────────────────────────────────────

const empty = z.object({}).strict();
const obj = <S extends z.ZodRawShape>(shape: S) => z.object(shape).strict();

/**
 * Every request a client may send: the event name, its payload schema, its result schema, and
 * the grant it needs (`join` for everything a participant does; `publish`, `subscribe` or
 * `admin` where stated).
 */
export const SignalingRequests = {
  /** Enters the room the token grants (again after `reconnectRequired`: placed anew). */
  'room.join': {
    grant: 'join',
    request: obj({
      /**
       * Ignored: the name others see is the join token's (the user's profile name, or the name
       * an API key minted). Accepted so that older clients keep working.
       */
      displayName: DisplayName.optional(),
      region: Region.optional(),
      media: JoinMediaRequest.optional(),
    }),
    result: JoinResult,
  },
  /**
   * The media capabilities a room's router will have, asked before joining so that the client
   * prepares its media stack while its user is still on the pre-join screen. A hint: the join
   * answer's capabilities are the truth (a client that finds them different prepares again).
   * NOT_FOUND when the gateway has not seen a placement yet.
   */
  'room.capabilities': {
    grant: 'join',
    request: empty,
    result: obj({ rtpCapabilities: RtpCapabilities }),
  },
  /**
   * Extends the socket's life with a fresh join token, before the one it holds expires (a room
   * socket lives no longer than its token: at expiry the session ends with `session.removed`
   * `session_expired`, and it cannot be resumed). The new token must be valid and name the same
   * tenant, user and room with the same grants, and expire no earlier than the current one.
   * Answers the new expiry (milliseconds since the epoch). Errors: `UNAUTHENTICATED` (a bad or
   * expired token), `FORBIDDEN` (another tenant, user or room), `INVALID_ARGUMENT` (other
   * grants, or an earlier expiry).
   */
  'session.refresh': {
    grant: 'join',
    request: obj({ token: z.string().min(1).max(8_192) }),
    result: z.object({ expiresAt: z.number().int().positive() }),
  },
  /** Takes back the session named by the handshake's resume token. */
  'session.resume': { grant: 'join', request: empty, result: ResumeResult },
  'room.leave': { grant: 'join', request: empty, result: empty },
  'participant.list': {
    grant: 'join',
    request: empty,
    /** The room's speakers (viewers are counted, not listed). */
    result: z.object({ participants: z.array(ParticipantInfo), viewers: ViewerCount }),
  },
  'transport.create': {
    grant: 'join',
    request: obj({ direction: TransportDirection, sctpCapabilities: SctpCapabilities.optional() }),
    result: TransportInfo,
  },
  'transport.connect': {
    grant: 'join',
    request: obj({ transportId: MediaObjectId, dtlsParameters: DtlsParameters }),
    result: empty,
  },
  'transport.restartIce': {
    grant: 'join',
    request: obj({ transportId: MediaObjectId }),
    result: z.object({ iceParameters: IceParameters }),
  },
  'producer.create': {
    grant: 'publish',
    request: obj({
      transportId: MediaObjectId,
      kind: MediaKind,
      rtpParameters: RtpParameters,
      source: MediaSource,
      paused: z.boolean().default(false),
    }),
    result: z.object({ producerId: MediaObjectId }),
  },
  'producer.pause': {
    grant: 'publish',
    request: obj({ producerId: MediaObjectId }),
    result: empty,
  },
  'producer.resume': {
    grant: 'publish',
    request: obj({ producerId: MediaObjectId }),
    result: empty,
  },
  'producer.close': {
    grant: 'publish',
    request: obj({ producerId: MediaObjectId }),
    result: empty,
  },
  'consumer.create': {
    grant: 'subscribe',
    request: obj({
      transportId: MediaObjectId,
      producerId: MediaObjectId,
      rtpCapabilities: RtpCapabilities,
    }),
    result: ConsumerInfo,
  },
  'consumer.resume': {
    grant: 'subscribe',
    request: obj({ consumerId: MediaObjectId }),
    result: empty,
  },
  'consumer.pause': {
    grant: 'subscribe',
    request: obj({ consumerId: MediaObjectId }),
    result: empty,
  },
  'consumer.close': {
    grant: 'subscribe',
    request: obj({ consumerId: MediaObjectId }),
    result: empty,
  },
  'consumer.setPreferredLayers': {
    grant: 'subscribe',
    request: obj({
      consumerId: MediaObjectId,
      spatialLayer: z.number().int().min(0).max(3),
      temporalLayer: z.number().int().min(0).max(3).optional(),
    }),
    result: empty,
  },
  /**
   * What this client shows (see {@link ClientView}): the server forwards video only for those
   * participants plus the most recent active speakers, up to `lastN`, each at the layer its
   * drawn size asks for; its other video consumers are paused on the node. Replaces the
   * previous view. Errors: `INVALID_ARGUMENT` (the schema), `NOT_FOUND` (a participant who is
   * not in this room), `RATE_LIMITED` (`retryAfterMs`); a refused view changes nothing.
   */
  'room.setView': {
    grant: 'subscribe',
    request: ClientView,
    result: SetViewResult,
  },
  /**
   * A chat message to the room, acknowledged once it is stored in the room's history (then
   * everyone gets it as `chat.message`). `clientMessageId` is the client's idempotency key, one
   * per message and the same for each retry of it: a message whose outcome the sender could not
   * learn (`NODE_UNAVAILABLE` with `details.outcome: 'unknown'`, `TIMEOUT`, a lost connection)
   * is sent again with the same key, and is stored and shown once, with the same `messageId` and
   * `at`, however many times it was sent: the room is shown the message as stored, never a
   * retry's copy. A key is for one message: sent again with another text it is refused
   * `CONFLICT`, and nothing changes. A retry of a key counts against the user's chat allowance
   * only as the message did, once: the gateway answers a key it acknowledged from its own record
   * (nothing stored or shown again), and a few retries of one key in a minute are free, the
   * next ones counted as new messages. Errors: `RATE_LIMITED` (`retryAfterSeconds`),
   * `NODE_UNAVAILABLE` (not stored, or not known to be: retry with the same key), `NOT_FOUND`,
   * `CONFLICT`.
   */
  'chat.send': {
    grant: 'join',
    request: obj({
      text: z.string().trim().min(1).max(CHAT_MESSAGE_MAX_LENGTH),
      clientMessageId: Identifier.optional(),
    }),
    result: z.object({ messageId: Identifier, at: z.number().int().positive() }),
  },
  /**
   * A user connection's keep-alive and clock check (room sockets may send it too): answers the
   * server's time. The only request a user connection may send.
   */
  'user.ping': { grant: 'none', request: empty, result: z.object({ at: z.number().int() }) },
  /**
   * Removes another participant from the room (a moderator: see `participant.mute`): it is told
   * `session.removed` `kicked`, its media is closed, its resume refused; the room sees it leave
   * (`participant.left` `kicked`). It may join again (ban it to keep it out).
   */
  'participant.remove': {
    grant: 'join',
    request: obj({ participantId: ParticipantId }),
    result: empty,
  },
  /**
   * Bans another participant's user from the room (a moderator: see `participant.mute`): the ban
   * is recorded by the rooms service (as `POST /rooms/{id}/bans`, with its rules: nobody bans
   * the owner; a moderator bans members only), and every session of that user in the room ends
   * (`session.removed` `banned`, media closed, no resume; the room sees `participant.left`
   * `banned`). Errors as `participant.remove`, and `FORBIDDEN` when the rules refuse.
   */
  'participant.ban': {
    grant: 'join',
    request: obj({
      participantId: ParticipantId,
      reason: z.string().trim().min(1).max(500).optional(),
    }),
    result: empty,
  },
  /**
   * Mutes another participant's microphone or camera (a moderator: a token with the `admin`
   * grant, or the room's owner or one of its moderators as the rooms service says; anyone else
   * is refused `FORBIDDEN`): its producer of that source
   * is paused on the server. The room is told `producer.paused` as for any pause, and the muted
   * participant `producer.mutedByModerator`, so that its client shows itself muted. Unmuting is
   * the participant's own choice (its `producer.resume`); there is no remote unmute. Errors:
   * `NOT_FOUND` (no such participant in the room, or it publishes nothing from that source),
   * `INVALID_ARGUMENT` (oneself: pause your own producer instead), `FORBIDDEN` (no moderator).
   */
  'participant.mute': {
    grant: 'join',
    request: obj({ participantId: ParticipantId, source: ModeratedSource }),
    result: empty,
  },
} as const satisfies Record<
  string,
  {
    grant: 'none' | 'join' | 'publish' | 'subscribe' | 'admin';
    request: z.ZodType;
    result: z.ZodType;
  }
>;

export type SignalingMethod = keyof typeof SignalingRequests;
export const SIGNALING_METHODS = Object.keys(SignalingRequests) as SignalingMethod[];
export type SignalingRequestOf<M extends SignalingMethod> = z.input<
  (typeof SignalingRequests)[M]['request']
>;
export type SignalingParsedRequestOf<M extends SignalingMethod> = z.output<
  (typeof SignalingRequests)[M]['request']
>;
export type SignalingResultOf<M extends SignalingMethod> = z.infer<
  (typeof SignalingRequests)[M]['result']
>;

export function isSignalingMethod(name: unknown): name is SignalingMethod {
  return typeof name === 'string' && Object.hasOwn(SignalingRequests, name);
}

// ── events ─────────────────────────────────────────────────────────────────────────────────

/** Why a participant is no longer in the room, as its own client is told. */
export const RemovedReason = z.enum([
  'kicked',
  'room_closed',
  'session_expired',
  'replaced',
  /** Banned from the room (the room's moderation, or its owner in the call). */
  'banned',
  /** The credential behind the join token (user, API key, sign-in session) was revoked. */
  'revoked',
]);

/** Every event the gateway sends to clients, by name. */
export const SignalingEvents = {
  'participant.joined': ParticipantInfo,
  'participant.left': z.object({ participantId: ParticipantId, reason: ParticipantLeftReason }),
  /**
   * The room's count of viewers changed (viewers join and leave without `participant.joined` or
   * `participant.left`). Coalesced: at most about one a second per gateway instance, each the
   * count when it was sent.
   */
  'room.viewers': z.object({ count: ViewerCount }),
  'producer.added': ProducerInfo,
  'producer.closed': z.object({ producerId: MediaObjectId, participantId: ParticipantId }),
  'producer.paused': z.object({ producerId: MediaObjectId, participantId: ParticipantId }),
  'producer.resumed': z.object({ producerId: MediaObjectId, participantId: ParticipantId }),
  /**
   * To the muted participant only: a moderator (`by`) paused its producer of `source` with
   * `participant.mute`. The producer stays paused until the participant resumes it
   * (`producer.resume`); the rest of the room got `producer.paused`.
   */
  'producer.mutedByModerator': z.object({
    producerId: MediaObjectId,
    source: ModeratedSource,
    by: ParticipantId,
  }),
  /**
   * Dynacast, to the publisher only: of its producer's simulcast layers, those above
   * `maxSpatialLayer` are wanted by no consumer anywhere in the room (on any node), so its
   * client stops encoding and sending them (`null`: no consumer wants any layer). Sent when that
   * changes; a producer the publisher was never told about sends every layer.
   */
  'producer.layers': ProducerLayers,
  'consumer.closed': z.object({ consumerId: MediaObjectId, producerId: MediaObjectId }),
  'consumer.layersChanged': z.object({
    consumerId: MediaObjectId,
    spatialLayer: z.number().int().nullable(),
    temporalLayer: z.number().int().nullable(),
  }),
  /** The loudest participant changed. */
  'speaker.active': z.object({ participantId: ParticipantId, producerId: MediaObjectId }),
  'chat.message': SignalingChatMessage,
  /**
   * The participant's media is gone (its SFU node or worker was lost): close the transports and
   * send `room.join` again; the room does not see it leave.
   */
  'session.reconnectRequired': z.object({ reason: z.enum(['node-lost', 'worker-lost']) }),
  /** This participant is out of the room and its session is over. */
  'session.removed': z.object({ reason: RemovedReason }),
  /** A notification for the user (an invitation, a friend request), wherever the user is. */
  'user.notification': UserEvent,
} as const satisfies Record<string, z.ZodType>;

export type SignalingEventName = keyof typeof SignalingEvents;
export type SignalingEventOf<E extends SignalingEventName> = z.infer<(typeof SignalingEvents)[E]>;

// ── Socket.IO typings ──────────────────────────────────────────────────────────────────────

export type SignalingAck<M extends SignalingMethod> = (reply: Reply<SignalingResultOf<M>>) => void;

/** `socket.io` / `socket.io-client` typed events: client → server. */
export type ClientToServerEvents = {
  [M in SignalingMethod]: (payload: SignalingRequestOf<M>, ack: SignalingAck<M>) => void;
};

/** `socket.io` / `socket.io-client` typed events: server → client. */
export type ServerToClientEvents = {
  [E in SignalingEventName]: (payload: SignalingEventOf<E>) => void;
};

export type { ErrorEnvelope as SignalingError };
