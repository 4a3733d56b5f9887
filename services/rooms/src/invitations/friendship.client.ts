import {
  CascadeError,
  FriendshipQueryReply,
  createSubjects,
  unwrapReply,
} from '@cascade/contracts';
import { NatsBus } from '@cascade/server-kit';

/** Asks identity which users are friends (`identity.friendship` over NATS). */
export interface FriendshipChecker {
  areFriends(tenantId: string, userId: string, otherUserId: string): Promise<boolean>;
}

export class NatsFriendshipClient implements FriendshipChecker {
  constructor(
    private readonly bus: NatsBus,
    private readonly subjectPrefix: string,
    private readonly timeoutMs: number,
  ) {}

  async areFriends(tenantId: string, userId: string, otherUserId: string): Promise<boolean> {
    const nc = await this.bus.connected();
    const subject = createSubjects(this.subjectPrefix).identityFriendship();
    let raw: unknown;
    try {
      const msg = await nc.request(
        subject,
        Buffer.from(JSON.stringify({ tenantId, userId, otherUserIds: [otherUserId] })),
        { timeout: this.timeoutMs },
      );
      raw = JSON.parse(Buffer.from(msg.data).toString('utf8'));
    } catch (error) {
      throw new CascadeError(
        'TIMEOUT',
        'cannot check friendship: the identity service did not answer; try again',
        { cause: (error as Error).message },
      );
    }
    const reply = FriendshipQueryReply.safeParse(raw);
    if (!reply.success) {
      throw new CascadeError('INTERNAL', 'cannot check friendship: identity answered unexpectedly');
    }
    return unwrapReply(reply.data).friends.includes(otherUserId);
  }
}
