import {
  CallBanReply,
  type CallBanRequest,
  CascadeError,
  MemberRoleReply,
  type MemberRoleRequest,
  type RoomRole,
  unwrapReply,
} from '@cascade/contracts';

import type { RoomSocketIdentity } from '../signaling/socket-data';

/** Sends one request to the rooms service and resolves with its raw reply, or throws. */
export type RoomsRequest<Q> = (request: Q) => Promise<unknown>;

/** How a moderator may act: its token's `admin` grant, or its role in the room. */
export type ModeratorAuthority = 'grant' | 'role';

/** The roles whose holders moderate a call. */
const MODERATORS: ReadonlySet<RoomRole> = new Set(['owner', 'moderator']);

/**
 * Who may moderate a call (mute, remove, ban another participant): a socket whose join token
 * has the `admin` grant (a tenant's backend decided), or the room's owner or one of its
 * moderators, as the rooms service says now (so a demoted moderator stops at once, whatever its
 * token says). Without a rooms service (`GATEWAY_AUTHORIZE_JOINS=false`) only the grant counts.
 * The answer grants power, so doubt refuses: rooms not answering is `NODE_UNAVAILABLE`.
 */
export class Moderators {
  constructor(private readonly memberRole: RoomsRequest<MemberRoleRequest> | undefined) {}

  async authorityOf(identity: RoomSocketIdentity): Promise<ModeratorAuthority> {
    if (identity.grants.admin) return 'grant';
    const request = {
      tenantId: identity.tenantId,
      roomId: identity.roomId,
      userId: identity.userId,
    };
    if (this.memberRole) {
      let raw: unknown;
      try {
        raw = await this.memberRole(request);
      } catch (error) {
        throw new CascadeError(
          'NODE_UNAVAILABLE',
          `the rooms service could not confirm your role in the room (${String(error)}); try again`,
        );
      }
      const reply = MemberRoleReply.safeParse(raw);
      if (!reply.success || !reply.data.ok) {
        throw new CascadeError(
          'NODE_UNAVAILABLE',
          'the rooms service could not confirm your role in the room; try again',
        );
      }
      const { role } = reply.data.data;
      if (role !== null && MODERATORS.has(role)) return 'role';
    }
    throw new CascadeError(
      'FORBIDDEN',
      "moderating a call takes the admin grant, or being the room's owner or a moderator",
      { grant: 'admin' },
    );
  }
}

/** Records a ban decided in a call with the rooms service; its refusal is thrown as is. */
export async function askCallBan(
  send: RoomsRequest<CallBanRequest>,
  request: CallBanRequest,
): Promise<boolean> {
  let raw: unknown;
  try {
    raw = await send(request);
  } catch (error) {
    throw new CascadeError(
      'NODE_UNAVAILABLE',
      `the rooms service did not record the ban (${String(error)}); try again`,
    );
  }
  const reply = CallBanReply.safeParse(raw);
  if (!reply.success)
    throw new CascadeError('NODE_UNAVAILABLE', 'the rooms service answered the ban unreadably');
  return unwrapReply(reply.data).banned;
}
