import {
  CascadeError,
  MemberRoleReply,
  type MemberRoleRequest,
  type RoomRole,
} from '@cascade/contracts';

/** Sends one `rooms.member-role` request and resolves with the raw reply, or throws. */
export type MemberRoleQuery = (request: MemberRoleRequest) => Promise<unknown>;

export interface AdminGrantLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

/** The roles whose holders may moderate a call: mute, remove (the `admin` grant). */
const MODERATORS: ReadonlySet<RoomRole> = new Set(['owner', 'moderator']);

/**
 * Whether a signed-in user may put `admin` in a join token it mints for itself: only the room's
 * owner and its moderators, as the rooms service says. The answer grants power, so doubt refuses:
 * rooms not answering, answering an error or something unreadable is `NODE_UNAVAILABLE` (try
 * again later), never a grant. (API keys grant `admin` without asking: the tenant's backend
 * decides.)
 */
export class AdminGrantPolicy {
  constructor(
    private readonly query: MemberRoleQuery,
    private readonly log: AdminGrantLog,
  ) {}

  async assertMayGrant(tenantId: string, userId: string, roomId: string): Promise<void> {
    const role = await this.#roleOf({ tenantId, roomId, userId });
    if (role === null || !MODERATORS.has(role)) {
      throw new CascadeError(
        'FORBIDDEN',
        `the admin grant is for the owner and moderators of room ${roomId}`,
        { roomId, role },
      );
    }
  }

  async #roleOf(request: MemberRoleRequest): Promise<RoomRole | null> {
    let raw: unknown;
    try {
      raw = await this.query(request);
    } catch (error) {
      return this.#unavailable(request, `no answer (${String(error)})`);
    }
    const reply = MemberRoleReply.safeParse(raw);
    if (!reply.success) return this.#unavailable(request, 'an unreadable answer');
    if (!reply.data.ok) {
      const { code, message } = reply.data.error;
      return this.#unavailable(request, `${code}: ${message}`);
    }
    return reply.data.data.role;
  }

  #unavailable(request: MemberRoleRequest, why: string): never {
    this.log.warn({ ...request, why }, 'room role unknown: the admin grant is refused');
    throw new CascadeError(
      'NODE_UNAVAILABLE',
      `the rooms service could not confirm your role in room ${request.roomId}; try again later`,
    );
  }
}
