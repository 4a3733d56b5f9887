import { z } from 'zod';

import { RoomId, TenantId, UserId } from '../ids';
import { LanguageTag, PageCursor, PageLimit, Timestamp } from './common';

export const ROOM_TITLE_MAX = 120;
export const ROOM_TOPIC_MAX = 60;
export const DEFAULT_ROOM_CAPACITY = 50;
/** Viewers (subscribe-only participants) a room takes when its owner does not say. */
export const DEFAULT_ROOM_VIEWER_CAPACITY = 100;
export const ROOM_PREVIEW_USERS = 5;

export const RoomVisibility = z.enum(['public', 'private']);
export type RoomVisibility = z.infer<typeof RoomVisibility>;

export const RoomStatus = z.enum(['active', 'closed']);
export type RoomStatus = z.infer<typeof RoomStatus>;

export const RoomRole = z.enum(['owner', 'moderator', 'member']);
export type RoomRole = z.infer<typeof RoomRole>;

const Title = z.string().trim().min(1).max(ROOM_TITLE_MAX);
const Topic = z.string().trim().min(1).max(ROOM_TOPIC_MAX);
/** The tenant's largest room is the ceiling; the rooms service checks it. */
const Capacity = z.number().int().min(2);
/** Viewers are counted apart from speakers; 0 admits none. The rooms service checks the ceiling. */
const ViewerCapacity = z.number().int().min(0);

export const Room = z.object({
  id: RoomId,
  tenantId: TenantId,
  ownerId: UserId,
  title: z.string(),
  topic: z.string().nullable(),
  language: z.string(),
  /** Places for speakers (participants whose token may publish). */
  capacity: z.number().int(),
  /** Places for viewers (tokens that may subscribe but not publish), counted apart. */
  viewerCapacity: z.number().int().nonnegative(),
  visibility: RoomVisibility,
  status: RoomStatus,
  /** Participants in the room now. */
  participantCount: z.number().int().nonnegative(),
  /**
   * A few of the users in the room now (at most {@link ROOM_PREVIEW_USERS}, the earliest
   * joined first), for the lobby's avatars; their profiles come from identity's `GET /users`.
   */
  previewUserIds: z.array(UserId).max(ROOM_PREVIEW_USERS),
  /** The caller's role in the room, or null when not a member. */
  myRole: RoomRole.nullable(),
  createdAt: Timestamp,
  lastActiveAt: Timestamp,
});
export type Room = z.infer<typeof Room>;

/** `POST /rooms`. */
export const CreateRoomRequest = z
  .object({
    title: Title,
    topic: Topic.optional(),
    language: LanguageTag,
    capacity: Capacity.optional(),
    viewerCapacity: ViewerCapacity.optional(),
    visibility: RoomVisibility.default('public'),
  })
  .strict();
export type CreateRoomRequest = z.output<typeof CreateRoomRequest>;

/** `PATCH /rooms/{roomId}` (owner only): at least one field; `topic: null` clears it. */
export const UpdateRoomRequest = z
  .object({
    title: Title.optional(),
    topic: Topic.nullable().optional(),
    language: LanguageTag.optional(),
    capacity: Capacity.optional(),
    viewerCapacity: ViewerCapacity.optional(),
    visibility: RoomVisibility.optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: 'give at least one field to change' });
export type UpdateRoomRequest = z.output<typeof UpdateRoomRequest>;

/** `GET /rooms` query: search by title, filters, cursor pagination. */
export const ListRoomsQuery = z
  .object({
    q: z.string().trim().min(1).max(ROOM_TITLE_MAX).optional(),
    language: LanguageTag.optional(),
    topic: Topic.optional(),
    limit: PageLimit,
    cursor: PageCursor.optional(),
  })
  .strict();
export type ListRoomsQuery = z.output<typeof ListRoomsQuery>;

export const RoomPage = z.object({
  rooms: z.array(Room),
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: PageCursor.nullable(),
});
export type RoomPage = z.infer<typeof RoomPage>;
