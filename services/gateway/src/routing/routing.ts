import {
  AuthorizeJoinResult,
  CascadeError,
  type AuthorizeJoinRequest,
  type OrchestratorOp,
  type OrchestratorRequest,
  type OrchestratorResult,
  type RoomActivityEvent,
  type Subjects,
  parseOrThrow,
  replySchema,
  unwrapReply,
  wireJson,
} from '@cascade/contracts';
import type { NatsBus } from '@cascade/server-kit';
import { OrchestratorClient, SfuNodeClient, natsNoAnswer } from '@cascade/sfu-client';
import { type NatsConnection } from '@nats-io/transport-node';

const json = wireJson;

type OrchestratorPayload<O extends OrchestratorOp> = Omit<
  Extract<OrchestratorRequest, { op: O }>,
  'op'
>;

/**
 * Where the gateway's requests go over NATS: join authorization to the rooms service, placement
 * and consume planning to the orchestrator, transport operations straight to the participant's
 * SFU node, and room activity out to whoever listens. Anything that does not answer in time is
 * `NODE_UNAVAILABLE`.
 */
export class Routing {
  readonly #nodes = new Map<string, SfuNodeClient>();
  #orchestrator: OrchestratorClient | undefined;
  #nc: NatsConnection | undefined;

  constructor(
    private readonly bus: NatsBus,
    private readonly subjects: Subjects,
    private readonly timeoutMs: number,
  ) {}

  async orchestrator<O extends OrchestratorOp>(
    op: O,
    payload: OrchestratorPayload<O>,
  ): Promise<OrchestratorResult<O>> {
    if (!this.#orchestrator) {
      this.#orchestrator = new OrchestratorClient(await this.#connection(), this.subjects, {
        timeoutMs: this.timeoutMs,
      });
    }
    return this.#orchestrator.request(op, payload);
  }

  /** The client of one SFU node (the node a participant was placed on). */
  async node(nodeId: string): Promise<SfuNodeClient> {
    let client = this.#nodes.get(nodeId);
    if (!client) {
      client = new SfuNodeClient(await this.#connection(), this.subjects, nodeId, {
        timeoutMs: this.timeoutMs,
      });
      this.#nodes.set(nodeId, client);
    }
    return client;
  }

  /** The rooms service's decision (capacity, privacy, bans); its refusal is thrown as is. */
  async authorizeJoin(request: AuthorizeJoinRequest): Promise<AuthorizeJoinResult> {
    const nc = await this.#connection();
    let data: unknown;
    try {
      const msg = await nc.request(this.subjects.roomsAuthorizeJoin(), json.encode(request), {
        timeout: this.timeoutMs,
      });
      data = json.decode(msg.data);
    } catch (error) {
      const noAnswer = natsNoAnswer(error);
      if (noAnswer) {
        throw new CascadeError(
          'NODE_UNAVAILABLE',
          `the rooms service did not answer the join authorization (${noAnswer})`,
        );
      }
      throw error;
    }
    return unwrapReply(
      parseOrThrow(replySchema(AuthorizeJoinResult), data, 'join authorization reply'),
    );
  }

  /** Tells the rooms service (presence) and identity (friends' presence) what happened in a room. */
  publishActivity(event: RoomActivityEvent): void {
    this.bus.publish(this.subjects.roomActivity(event.tenantId, event.roomId), event);
  }

  async #connection(): Promise<NatsConnection> {
    if (this.#nc) return this.#nc;
    let timer: NodeJS.Timeout | undefined;
    const nc = await Promise.race([
      this.bus.connected(),
      new Promise<undefined>(
        (resolve) => (timer = setTimeout(() => resolve(undefined), this.timeoutMs)),
      ),
    ]).finally(() => clearTimeout(timer));
    if (!nc) throw new CascadeError('NODE_UNAVAILABLE', 'not connected to NATS');
    this.#nc = nc;
    return nc;
  }
}
