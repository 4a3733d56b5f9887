import { randomUUID } from 'node:crypto';

import {
  CascadeError,
  type CreateRoomRequest,
  DEFAULT_ROOM_CAPACITY,
  DEFAULT_ROOM_VIEWER_CAPACITY,
  type ListRoomsQuery,
  type Room as RoomView,
  type RoomPage,
  type UpdateRoomRequest,
} from '@cascade/contracts';

import type { Prisma, PrismaClient } from '../generated/prisma/client';
import { TimeIdCursor, decodeCursor, timeIdCursor } from '../http/cursor';
import type { Caller } from '../auth/caller';
import { RoomAccess } from './room-access';
import { NO_ROOM_REMOVALS, type RoomRemovalNotice } from './room-removals';
import { NOBODY, RoomOccupants } from './room-occupants';
import { RoomSearch } from './room-search';
import { toRoomView } from './room-view';
import type { TenantSettingsSource } from '../tenant-settings/tenant-settings.client';

const NO_TENANT_SETTINGS: TenantSettingsSource = { settings: () => Promise.resolve(undefined) };

/** Rooms of a tenant: create, find, list with search and filters, change, close. */
export class RoomDirectory {
  constructor(
    private readonly db: PrismaClient,
    private readonly access: RoomAccess,
    private readonly search: RoomSearch,
    private readonly occupants: RoomOccupants,
    private readonly ceilings: CapacityCeilings,
    private readonly removed: RoomRemovalNotice = NO_ROOM_REMOVALS,
    private readonly tenants: TenantSettingsSource = NO_TENANT_SETTINGS,
  ) {}

  async create(caller: Caller, request: CreateRoomRequest): Promise<RoomView> {
    const capacity = await this.#checkCapacity(caller.tenantId, request.capacity);
    const viewerCapacity = this.#checkViewerCapacity(request.viewerCapacity);
    const room = await this.db.room.create({
      data: {
        tenantId: caller.tenantId,
        id: randomUUID(),
        ownerId: caller.userId,
        title: request.title,
        topic: request.topic ?? null,
        language: request.language,
        capacity,
        viewerCapacity,
        visibility: request.visibility,
        members: { create: { userId: caller.userId, role: 'owner' } },
      },
    });
    return toRoomView(room, NOBODY, 'owner');
  }

  async get(caller: Caller, roomId: string): Promise<RoomView> {
    const { room, user } = await this.access.visible(caller.tenantId, roomId, caller.userId);
    return toRoomView(room, await this.occupants.ofRoom(room.tenantId, room.id), user.role);
  }

  /**
   * The tenant's active public rooms and the active private rooms the caller is a member of,
   * newest first (ties broken by id, so pages never skip or repeat a room).
   */
  async list(caller: Caller, query: ListRoomsQuery): Promise<RoomPage> {
    const after = query.cursor ? decodeCursor(TimeIdCursor, query.cursor) : undefined;
    const rows = await this.search.find({
      tenantId: caller.tenantId,
      userId: caller.userId,
      q: query.q,
      language: query.language,
      topic: query.topic,
      after: after && { t: new Date(after.t), id: after.id },
      take: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    const occupants = await this.occupants.of(
      caller.tenantId,
      page.map(({ room }) => room.id),
    );
    const last = page.at(-1)?.room;
    return {
      rooms: page.map(({ room, myRole }) =>
        toRoomView(room, occupants.get(room.id) ?? NOBODY, myRole),
      ),
      nextCursor: rows.length > query.limit && last ? timeIdCursor(last.createdAt, last.id) : null,
    };
  }

  async update(caller: Caller, roomId: string, request: UpdateRoomRequest): Promise<RoomView> {
    const { room } = await this.#owned(caller, roomId, 'change');
    if (room.status === 'closed') throw new CascadeError('CONFLICT', `room ${roomId} is closed`);
    const data: Prisma.RoomUpdateInput = {};
    if (request.title !== undefined) data.title = request.title;
    if (request.topic !== undefined) data.topic = request.topic;
    if (request.language !== undefined) data.language = request.language;
    if (request.visibility !== undefined) data.visibility = request.visibility;
    if (request.capacity !== undefined)
      data.capacity = await this.#checkCapacity(room.tenantId, request.capacity);
    if (request.viewerCapacity !== undefined)
      data.viewerCapacity = this.#checkViewerCapacity(request.viewerCapacity);
    await this.db.room.update({
      where: { tenantId_id: { tenantId: room.tenantId, id: room.id } },
      data,
    });
    return this.get(caller, roomId);
  }

  /**
   * Closes the room: no more joins, gone from lists; whoever is in it is counted out and put out
   * of the call (`room.closed`, announced again when it was closed already: repeats are harmless).
   */
  async close(caller: Caller, roomId: string): Promise<RoomView> {
    const { room } = await this.#owned(caller, roomId, 'close');
    if (room.status === 'active') {
      const now = new Date();
      await this.db.$transaction([
        this.db.room.update({
          where: { tenantId_id: { tenantId: room.tenantId, id: room.id } },
          data: { status: 'closed', closedAt: now },
        }),
        this.db.roomParticipant.updateMany({
          where: { tenantId: room.tenantId, roomId: room.id, state: { not: 'left' } },
          data: { state: 'left', leftAt: now, heldUntil: null },
        }),
      ]);
    }
    this.removed({ type: 'room.closed', tenantId: room.tenantId, roomId: room.id });
    return this.get(caller, roomId);
  }

  async #owned(caller: Caller, roomId: string, verb: string) {
    const found = await this.access.visible(caller.tenantId, roomId, caller.userId);
    if (found.user.role !== 'owner') {
      throw new CascadeError('FORBIDDEN', `only the owner of room ${roomId} may ${verb} it`);
    }
    return found;
  }

  /**
   * The capacity a room may have: at most the service's ceiling (`ROOMS_MAX_CAPACITY`) and the
   * tenant's `maxRoomCapacity`; without a request, the default capacity within both.
   */
  async #checkCapacity(tenantId: string, requested: number | undefined): Promise<number> {
    const tenantMax = (await this.tenants.settings(tenantId))?.maxRoomCapacity;
    const [max, limit] =
      tenantMax !== undefined && tenantMax < this.ceilings.capacity
        ? [tenantMax, 'maxRoomCapacity']
        : [this.ceilings.capacity, 'ROOMS_MAX_CAPACITY'];
    if (requested === undefined) return Math.min(DEFAULT_ROOM_CAPACITY, max);
    if (requested > max) {
      const by = limit === 'maxRoomCapacity' ? "the tenant's maxRoomCapacity" : 'this deployment';
      throw new CascadeError('INVALID_ARGUMENT', `capacity may be at most ${max} (${by})`, {
        issues: [{ path: 'capacity', message: `must be at most ${max} (${by})` }],
        limit,
        max,
      });
    }
    return requested;
  }

  /**
   * The viewer capacity a room may have: at most the service's `ROOMS_MAX_VIEWER_CAPACITY`
   * (the tenant's `maxRoomCapacity` bounds speakers only: viewers cost a node far less).
   */
  #checkViewerCapacity(requested: number | undefined): number {
    const max = this.ceilings.viewerCapacity;
    if (requested === undefined) return Math.min(DEFAULT_ROOM_VIEWER_CAPACITY, max);
    if (requested > max) {
      throw new CascadeError('INVALID_ARGUMENT', `viewerCapacity may be at most ${max}`, {
        issues: [{ path: 'viewerCapacity', message: `must be at most ${max} (this deployment)` }],
        limit: 'ROOMS_MAX_VIEWER_CAPACITY',
        max,
      });
    }
    return requested;
  }
}

/** The largest capacities this deployment gives a room (`ROOMS_MAX_CAPACITY`, `…_VIEWER_…`). */
export interface CapacityCeilings {
  capacity: number;
  viewerCapacity: number;
}
