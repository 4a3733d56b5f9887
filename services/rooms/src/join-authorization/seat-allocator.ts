import {
  type AuthorizeJoinRequest,
  type AuthorizeJoinResult,
  CascadeError,
  type RoomFullDetails,
  type RoomRole,
} from '@cascade/contracts';
import { KeyedQueue } from '@cascade/server-kit';

import type { Prisma, PrismaClient, Room } from '../generated/prisma/client';
import { userFacts } from '../rooms/room-access';
import { assertMayJoin, roomNotFound } from '../rooms/room-policy';

/**
 * Grants places in rooms. Each grant runs in one transaction that first locks the room's row, so
 * concurrent joins of one room take turns: the count of places taken (participants present plus
 * seats held and not expired) that a grant sees includes every grant before it, and two joins for
 * the last place cannot both win. A granted seat is held for `holdSeconds`; the participant's
 * `participant.joined` event turns it into presence, otherwise it stops counting when it expires.
 *
 * Speakers and viewers (`participantRole`) are counted apart: a speaker takes one of the room's
 * `capacity` places, a viewer one of its `viewerCapacity` places, so that a webinar of 20
 * speakers and 5,000 viewers is full for neither until its own kind is.
 *
 * One user holds at most `seatsPerUser` places in a room (each tab or device is a participant):
 * counted in the same locked transaction, so a user's many sockets on many gateways cannot fill
 * a room. A place is given back when its participant leaves or its hold expires.
 *
 * Within one process, the grants of one room also queue in memory before they open their
 * transaction: a burst of joins to one room would otherwise hold every pooled connection while
 * waiting for the row lock, and starve everything else (each transaction waits at most
 * `TRANSACTION_MAX_WAIT_MS` for a connection). The row lock still orders grants across replicas.
 */
export class SeatAllocator {
  readonly #rooms = new KeyedQueue();

  constructor(
    private readonly db: PrismaClient,
    private readonly holdSeconds: number,
    private readonly seatsPerUser: number,
  ) {}

  authorize(request: AuthorizeJoinRequest): Promise<AuthorizeJoinResult> {
    const { tenantId, roomId } = request;
    return this.#rooms.run(`${tenantId}/${roomId}`, () => this.#grant(request));
  }

  async #grant(request: AuthorizeJoinRequest): Promise<AuthorizeJoinResult> {
    const { tenantId, roomId, userId, participantId, participantRole } = request;
    const viewer = participantRole === 'viewer';
    return this.db.$transaction(async (tx) => {
      const locked = await tx.$queryRaw<Array<{ id: string }>>`
        SELECT id FROM rooms WHERE tenant_id = ${tenantId} AND id = ${roomId} FOR UPDATE`;
      if (locked.length === 0) throw roomNotFound(roomId);
      const room = (await tx.room.findUnique({
        where: { tenantId_id: { tenantId, id: roomId } },
      })) as Room;
      const user = await userFacts(tx, room, userId, true);
      const key = { tenantId, roomId, participantId };
      const existing = await tx.roomParticipant.findUnique({
        where: { tenantId_roomId_participantId: key },
      });
      if (existing && existing.userId !== userId) {
        throw new CascadeError('CONFLICT', `participant ${participantId} belongs to another user`);
      }
      // Being in the room already (another tab) does not open a private room.
      assertMayJoin(room, { ...user, participating: false });

      const now = new Date();
      const heldUntil = new Date(now.getTime() + this.holdSeconds * 1000);
      const alreadyPlaced =
        existing !== null &&
        (existing.state === 'present' ||
          (existing.state === 'reserved' &&
            existing.heldUntil !== null &&
            existing.heldUntil > now));
      const placed: Prisma.RoomParticipantWhereInput[] = [
        { state: 'present' },
        { state: 'reserved', heldUntil: { gt: now } },
      ];
      const occupied = await tx.roomParticipant.count({
        where: { tenantId, roomId, viewer, OR: placed },
      });
      const capacity = viewer ? room.viewerCapacity : room.capacity;
      if (!alreadyPlaced) {
        const held = await tx.roomParticipant.count({
          where: { tenantId, roomId, userId, OR: placed },
        });
        if (held >= this.seatsPerUser) {
          throw new CascadeError(
            'LIMIT_EXCEEDED',
            `user ${userId} already holds ${held} places in room ${roomId} ` +
              `(at most ${this.seatsPerUser} per user)`,
            { limit: 'seatsPerUser', max: this.seatsPerUser },
          );
        }
      }
      if (!alreadyPlaced && occupied >= capacity) {
        const details: RoomFullDetails = { participantRole, capacity };
        throw new CascadeError(
          'ROOM_FULL',
          `room ${roomId} is full (${capacity} ${viewer ? 'viewer' : 'speaker'} places)`,
          details,
        );
      }
      if (existing?.state !== 'present') {
        await tx.roomParticipant.upsert({
          where: { tenantId_roomId_participantId: key },
          create: { ...key, userId, viewer, state: 'reserved', heldUntil },
          update: { viewer, state: 'reserved', heldUntil, leftAt: null, joinedAt: null },
        });
      }
      await tx.room.update({
        where: { tenantId_id: { tenantId, id: roomId } },
        data: { lastActiveAt: now },
      });
      return {
        tenantId,
        roomId,
        participantId,
        title: room.title,
        visibility: room.visibility,
        capacity: room.capacity,
        viewerCapacity: room.viewerCapacity,
        participantRole,
        occupied: alreadyPlaced ? occupied : occupied + 1,
        role: user.role as RoomRole | null,
        seatHeldUntil: (existing?.state === 'present' ? now : heldUntil).toISOString(),
      };
    }, TRANSACTION_OPTIONS);
  }
}

/** Prisma's default wait for a connection is 2 s; under a burst of joins to many rooms it is the
 * pool, not the work, that makes a grant wait. The gateway gives up on a join after 5 s. */
const TRANSACTION_MAX_WAIT_MS = 4_000;
const TRANSACTION_OPTIONS = { maxWait: TRANSACTION_MAX_WAIT_MS, timeout: 4_000 };
