import {
  CascadeError,
  type Reply,
  type RoomGrants,
  SIGNALING_MAX_BYTES,
  type SignalingMethod,
  type SignalingParsedRequestOf,
  SignalingRequests,
  type SignalingResultOf,
  USER_CONNECTION_METHODS,
  errorReply,
  isCascadeError,
  isSignalingMethod,
  okReply,
  parseOrThrow,
} from '@cascade/contracts';
import { typedError } from '@cascade/server-kit';

import type { TokenBucket } from './token-bucket';

/** What a socket may do: a room socket's grants and session; a user connection, next to nothing. */
export type SocketAccess =
  | {
      kind: 'room';
      grants: RoomGrants;
      /** Whether the socket is bound to a session (joined, or resumed at the handshake). */
      joined: boolean;
    }
  | { kind: 'user' };

/** What the pipeline knows of the socket a request came on. */
export interface RequestContext<S> {
  socket: S;
  access: SocketAccess;
  bucket: TokenBucket;
}

/** One handler per method: gets the validated request, returns the result or throws. */
export type SignalingHandlers<S> = {
  [M in SignalingMethod]: (
    request: SignalingParsedRequestOf<M>,
    socket: S,
  ) => Promise<SignalingResultOf<M>>;
};

/** One request as observers see it (`requestId` is unique within the process). */
export interface RequestFacts<S> {
  requestId: number;
  /** The method, or `unknown` for names outside the protocol (a bounded metrics label). */
  method: string;
  socket: S;
}

export interface PipelineObserver<S> {
  /** Every answered request: `ok` or the error code, and how long it took. */
  answered(request: RequestFacts<S>, outcome: string, seconds: number): void;
  /**
   * A handler failed with something other than a `CascadeError` or a data service out of reach
   * (answered `INTERNAL`).
   */
  failed(request: RequestFacts<S>, error: unknown): void;
}

/** Room methods a room socket may call before it is in a room. */
const BEFORE_JOIN: ReadonlySet<SignalingMethod> = new Set([
  'room.join',
  'session.resume',
  'room.capabilities',
]);

/** The only methods a user connection may call. */
const FOR_USER_CONNECTIONS: ReadonlySet<SignalingMethod> = new Set(USER_CONNECTION_METHODS);

/**
 * Every signaling request goes through here, in this order: a known method with an
 * acknowledgement (no ack: dropped, nobody would hear the answer), the payload's size, the
 * socket's rate limit, whether the socket may call the method (a user connection: only the
 * {@link USER_CONNECTION_METHODS}; a room socket: the grant the method needs, if any), the
 * payload's schema, being in the room (not for `room.join`, `session.resume` and the methods of
 * grant `none`), and only then the handler. Each step refuses with its own code; nothing a client
 * sends reaches a handler unvalidated, and nothing a handler throws escapes as anything but an
 * error envelope.
 */
export class RequestPipeline<S> {
  #requests = 0;

  constructor(
    private readonly handlers: SignalingHandlers<S>,
    private readonly observer: PipelineObserver<S>,
    private readonly maxBytes = SIGNALING_MAX_BYTES,
  ) {}

  /**
   * Handles one incoming event (`socket.onAny` arguments) and acknowledges it. Resolves with the
   * reply sent, or undefined when there was no acknowledgement to send it to.
   */
  async handle(
    ctx: RequestContext<S>,
    event: unknown,
    args: unknown[],
  ): Promise<Reply<unknown> | undefined> {
    const ack = args.length > 0 ? args[args.length - 1] : undefined;
    if (typeof ack !== 'function') return undefined;
    const started = performance.now();
    const method = isSignalingMethod(event) ? event : undefined;
    const facts = { requestId: ++this.#requests, method: method ?? 'unknown', socket: ctx.socket };
    let reply: Reply<unknown>;
    try {
      reply = okReply(await this.#run(ctx, method, event, args.slice(0, -1)));
    } catch (error) {
      // A data service out of reach is NODE_UNAVAILABLE (try again), not INTERNAL.
      const typed = typedError(error);
      if (!isCascadeError(typed)) this.observer.failed(facts, error);
      reply = boundedErrorReply(typed);
    }
    this.observer.answered(
      facts,
      reply.ok ? 'ok' : reply.error.code,
      (performance.now() - started) / 1000,
    );
    try {
      (ack as (reply: Reply<unknown>) => void)(reply);
    } catch {
      // An acknowledgement to a socket that is gone: nobody to tell.
    }
    return reply;
  }

  async #run(
    ctx: RequestContext<S>,
    method: SignalingMethod | undefined,
    event: unknown,
    payloads: unknown[],
  ): Promise<unknown> {
    if (!method) {
      throw new CascadeError('INVALID_ARGUMENT', `unknown method ${describe(event)}`);
    }
    if (payloads.length > 1) {
      throw new CascadeError(
        'INVALID_ARGUMENT',
        `${method} takes one payload and an acknowledgement`,
      );
    }
    // `emit(method, ack)` for the methods without parameters is taken as an empty payload.
    const payload = payloads.length === 0 ? {} : payloads[0];
    const bytes = sizeOf(payload);
    if (bytes > this.maxBytes) {
      throw new CascadeError(
        'LIMIT_EXCEEDED',
        `payload is ${Number.isFinite(bytes) ? `${bytes} bytes` : 'too large or too deep'}; the limit is ${this.maxBytes} bytes`,
        { limitBytes: this.maxBytes },
      );
    }
    if (!ctx.bucket.take()) {
      throw new CascadeError('RATE_LIMITED', 'too many requests on this connection; slow down', {
        retryAfterMs: ctx.bucket.retryAfterMs(),
      });
    }
    const spec = SignalingRequests[method];
    const { access } = ctx;
    if (access.kind === 'user') {
      if (!FOR_USER_CONNECTIONS.has(method)) {
        throw new CascadeError(
          'FORBIDDEN',
          `${method} is not available on a user connection: connect with a join token to use a room`,
          { allowed: [...USER_CONNECTION_METHODS] },
        );
      }
    } else if (spec.grant !== 'none' && !access.grants[spec.grant]) {
      throw new CascadeError('FORBIDDEN', `${method} needs the ${spec.grant} grant`, {
        grant: spec.grant,
      });
    }
    const request: unknown = parseOrThrow(spec.request, payload, `${method} request`);
    if (
      access.kind === 'room' &&
      !access.joined &&
      spec.grant !== 'none' &&
      !BEFORE_JOIN.has(method)
    ) {
      throw new CascadeError('CONFLICT', `join the room first (room.join) before ${method}`);
    }
    const handler = this.handlers[method] as (request: unknown, socket: S) => Promise<unknown>;
    return handler(request, ctx.socket);
  }
}

/** Bytes of the payload as JSON; Infinity when it cannot even be serialized (too deep). */
function sizeOf(payload: unknown): number {
  try {
    const json = JSON.stringify(payload);
    return json === undefined ? 0 : Buffer.byteLength(json);
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

const MAX_MESSAGE = 1_000;
const MAX_ISSUES = 20;
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…` : text);

/**
 * The error envelope, kept small whatever the payload was: a payload with huge or countless
 * unknown fields must not make the answer huge (and the envelope's message has a length limit).
 */
function boundedErrorReply(error: unknown): Reply<never> {
  const reply = errorReply(error);
  if (reply.ok) return reply;
  const { code, message, details } = reply.error;
  const issues = details?.['issues'];
  return {
    ok: false,
    error: {
      code,
      message: clip(message, MAX_MESSAGE),
      ...(details === undefined
        ? {}
        : {
            details: Array.isArray(issues)
              ? {
                  ...details,
                  issues: (issues as Array<{ path: string; message: string }>)
                    .slice(0, MAX_ISSUES)
                    .map((i) => ({ path: clip(i.path, 200), message: clip(i.message, 300) })),
                }
              : details,
          }),
    },
  };
}

function describe(event: unknown): string {
  if (typeof event !== 'string') return `(a ${typeof event})`;
  return JSON.stringify(event.length > 64 ? `${event.slice(0, 64)}…` : event);
}
