import {
  CascadeError,
  OrchestratorAdminResults,
  OrchestratorResults,
  type OrchestratorAdminOp,
  type OrchestratorAdminRequest,
  type OrchestratorAdminResult,
  type OrchestratorOp,
  type OrchestratorRequest,
  type OrchestratorResult,
  SFU_CONTROL_MAX_BYTES,
  SfuAdminResult,
  SfuControlResults,
  type SfuAdminRequest,
  type SfuControlOp,
  type SfuControlRequest,
  type SfuControlResult,
  type Subjects,
  parseOrThrow,
  replySchema,
  unwrapReply,
  wireJson,
} from '@cascade/contracts';
import { type NatsConnection, errors } from '@nats-io/transport-node';

const codec = wireJson;

/**
 * Why a NATS request got no answer, or `undefined` when it failed otherwise: `timeout` (nobody
 * answered in time) or `no-responders` (nobody listens on the subject). nats.js v3 rejects a
 * request with a `TimeoutError`, and a request nobody listens to with a `RequestError` whose
 * cause is a `NoRespondersError`.
 */
export function natsNoAnswer(error: unknown): 'timeout' | 'no-responders' | undefined {
  if (error instanceof errors.TimeoutError) return 'timeout';
  if (error instanceof errors.RequestError && error.isNoResponders()) return 'no-responders';
  return undefined;
}

export type SfuControlPayload<O extends SfuControlOp> = Omit<
  Extract<SfuControlRequest, { op: O }>,
  'op'
>;

export interface SfuNodeClientOptions {
  /** How long to wait for a node's reply before failing with `NODE_UNAVAILABLE`. */
  timeoutMs?: number;
}

/**
 * Talks to one SFU node over NATS: every request is validated by the node, every reply is
 * validated here against the contracts, and an error reply is thrown as a `CascadeError`. A node
 * that does not answer is `NODE_UNAVAILABLE`.
 */
export class SfuNodeClient {
  readonly #timeoutMs: number;

  constructor(
    private readonly nc: NatsConnection,
    private readonly subjects: Subjects,
    readonly nodeId: string,
    options: SfuNodeClientOptions = {},
  ) {
    this.#timeoutMs = options.timeoutMs ?? 5_000;
  }

  async request<O extends SfuControlOp>(
    op: O,
    payload: SfuControlPayload<O>,
  ): Promise<SfuControlResult<O>> {
    const data = await this.#request(this.subjects.sfuNodeControl(this.nodeId), { op, ...payload });
    const reply = parseOrThrow(replySchema(SfuControlResults[op]), data, `reply to ${op}`);
    return unwrapReply(reply) as SfuControlResult<O>;
  }

  /** Sends anything to the control subject and returns the raw reply (for protocol tests). */
  async raw(body: Uint8Array | unknown): Promise<unknown> {
    return this.#request(this.subjects.sfuNodeControl(this.nodeId), body);
  }

  async admin(request: SfuAdminRequest): Promise<SfuAdminResult> {
    const data = await this.#request(this.subjects.sfuNodeAdmin(this.nodeId), request);
    return unwrapReply(parseOrThrow(replySchema(SfuAdminResult), data, `reply to ${request.op}`));
  }

  #request(subject: string, body: unknown): Promise<unknown> {
    return requestJson(this.nc, subject, body, this.#timeoutMs, `SFU node ${this.nodeId}`, {
      nodeId: this.nodeId,
    });
  }
}

/** A JSON request over NATS; no responder or no answer in time is `NODE_UNAVAILABLE`. */
async function requestJson(
  nc: NatsConnection,
  subject: string,
  body: unknown,
  timeoutMs: number,
  who: string,
  details: Record<string, unknown> = {},
): Promise<unknown> {
  const bytes = body instanceof Uint8Array ? body : codec.encode(body);
  if (bytes.length > SFU_CONTROL_MAX_BYTES && !(body instanceof Uint8Array)) {
    throw new CascadeError(
      'INVALID_ARGUMENT',
      `request is ${bytes.length} bytes; the limit is ${SFU_CONTROL_MAX_BYTES}`,
    );
  }
  try {
    const msg = await nc.request(subject, bytes, { timeout: timeoutMs });
    return codec.decode(msg.data);
  } catch (error) {
    const noAnswer = natsNoAnswer(error);
    if (noAnswer) {
      throw new CascadeError('NODE_UNAVAILABLE', `${who} did not answer (${noAnswer})`, details);
    }
    throw error;
  }
}

/**
 * Talks to the sfu-orchestrator over NATS: the gateway's requests (join, leave, consume
 * planning) and operators' admin requests. Replies are validated against the contracts; an
 * error reply is thrown as a `CascadeError`.
 */
export class OrchestratorClient {
  readonly #timeoutMs: number;

  constructor(
    private readonly nc: NatsConnection,
    private readonly subjects: Subjects,
    options: SfuNodeClientOptions = {},
  ) {
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  async request<O extends OrchestratorOp>(
    op: O,
    payload: Omit<Extract<OrchestratorRequest, { op: O }>, 'op'>,
  ): Promise<OrchestratorResult<O>> {
    const data = await requestJson(
      this.nc,
      this.subjects.orchestratorRequests(),
      { op, ...payload },
      this.#timeoutMs,
      'the orchestrator',
    );
    const reply = parseOrThrow(replySchema(OrchestratorResults[op]), data, `reply to ${op}`);
    return unwrapReply(reply) as OrchestratorResult<O>;
  }

  async admin<O extends OrchestratorAdminOp>(
    request: Extract<OrchestratorAdminRequest, { op: O }>,
  ): Promise<OrchestratorAdminResult<O>> {
    const data = await requestJson(
      this.nc,
      this.subjects.orchestratorAdmin(),
      request,
      this.#timeoutMs,
      'the orchestrator',
    );
    const reply = parseOrThrow(
      replySchema(OrchestratorAdminResults[request.op]),
      data,
      `reply to ${request.op}`,
    );
    return unwrapReply(reply) as OrchestratorAdminResult<O>;
  }
}
