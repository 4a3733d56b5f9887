import { CascadeError, errorReply, isCascadeError, okReply, wireJson } from '@cascade/contracts';
import { Logger } from '@nestjs/common';
import type { ClientNats } from '@nestjs/microservices';
import { type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';

import { typedError } from '../dependency-errors';
import { withTimeout } from '../time';
import { BoundedHandlerQueue, DEFAULT_HANDLER_LIMITS, type HandlerLimits } from './handler-limits';

const json = wireJson;

export type MessageHandler = (msg: Msg) => Promise<void> | void;

export interface SubscribeOptions {
  /** NATS queue group: one member of the group gets each message. */
  queue?: string;
  /** This subscription's bounds, instead of the bus's (`NATS_HANDLER_*`). */
  limits?: HandlerLimits;
}

/** Refusals of one subscription are logged on the first and then on every this many. */
const REFUSALS_PER_LOG = 1_000;

/**
 * The service's NATS connection for subjects built at run time (node ids, tenant and room ids,
 * the deployment's prefix), which Nest's static `@MessagePattern` decorators cannot express.
 * It shares the kit's client connection. Subscriptions made before NATS is reachable start when
 * it is; publishing before then is dropped (and counted) rather than queued without bound.
 *
 * Every subscription's handlers run within {@link HandlerLimits} (`NATS_HANDLER_CONCURRENCY` at
 * once, `NATS_HANDLER_QUEUE_MAX` waiting): a flood beyond them is refused, not queued in memory
 * without end. A refused request is answered `RATE_LIMITED` (details `reason: 'overloaded'`), so
 * the caller fails fast and may retry; a refused message without a reply subject is dropped.
 */
export class NatsBus {
  readonly #logger = new Logger('nats-bus');
  readonly #subscriptions: Subscription[] = [];
  #connection: NatsConnection | undefined;
  #connecting: Promise<NatsConnection> | undefined;
  #dropped = 0;
  #refused = 0;

  constructor(
    private readonly client: ClientNats,
    private readonly limits: HandlerLimits = DEFAULT_HANDLER_LIMITS,
  ) {}

  /** Resolves with the connection once NATS is reachable. */
  connected(): Promise<NatsConnection> {
    this.#connecting ??= this.client
      .connect()
      .then((nc: NatsConnection) => (this.#connection = nc));
    return this.#connecting;
  }

  get droppedPublishes(): number {
    return this.#dropped;
  }

  /** Messages refused (answered overloaded, or dropped) because a subscription was saturated. */
  get refusedMessages(): number {
    return this.#refused;
  }

  /**
   * Sends one request and resolves with its decoded JSON answer. Waiting for the connection
   * counts against `timeoutMs` too; a timeout, no responder or a closed connection rejects.
   */
  async request(subject: string, value: unknown, timeoutMs: number): Promise<unknown> {
    const nc = await withTimeout(this.connected(), timeoutMs, 'NATS connection');
    const msg = await nc.request(subject, json.encode(value), { timeout: timeoutMs });
    return json.decode(msg.data);
  }

  publish(subject: string, value: unknown): void {
    if (!this.#connection || this.#connection.isClosed()) {
      this.#dropped++;
      return;
    }
    this.#connection.publish(subject, json.encode(value));
  }

  /**
   * Runs `handler` for every message on `subject` (in `queue`, when given), within the
   * subscription's limits. A handler that throws is logged; it never ends the subscription.
   */
  subscribe(subject: string, handler: MessageHandler, options: SubscribeOptions = {}): void {
    const handlers = new BoundedHandlerQueue<Msg>(options.limits ?? this.limits, (msg) =>
      Promise.resolve()
        .then(() => handler(msg))
        .catch((error: unknown) =>
          this.#logger.error(`handler for ${subject} failed: ${String(error)}`),
        ),
    );
    void this.connected().then((nc) => {
      const sub = nc.subscribe(subject, options.queue ? { queue: options.queue } : {});
      this.#subscriptions.push(sub);
      void (async () => {
        for await (const msg of sub) {
          if (!handlers.offer(msg)) this.#refuse(subject, msg, handlers);
        }
      })();
    });
  }

  #refuse(subject: string, msg: Msg, handlers: BoundedHandlerQueue<Msg>): void {
    this.#refused++;
    NatsBus.respond(
      msg,
      errorReply(
        new CascadeError('RATE_LIMITED', 'the service is overloaded; try again shortly', {
          reason: 'overloaded',
        }),
      ),
    );
    if ((handlers.refused - 1) % REFUSALS_PER_LOG === 0) {
      this.#logger.warn(
        `refusing messages on ${subject}: ${handlers.running} handlers running and ` +
          `${handlers.waiting} waiting (${handlers.refused} refused so far)`,
      );
    }
  }

  /**
   * Serves request/reply on `subject`: `handler` gets the decoded body and its result goes back as
   * `okReply`; anything it throws goes back as `errorReply` (the envelope): a data service that
   * cannot be reached as `NODE_UNAVAILABLE` (`typedError`), and any other failure that is not a
   * `CascadeError` is logged, since the caller only sees `INTERNAL`.
   */
  serve(
    subject: string,
    handler: (body: unknown, msg: Msg) => Promise<unknown> | unknown,
    options: SubscribeOptions = {},
  ): void {
    this.subscribe(
      subject,
      async (msg) => {
        try {
          NatsBus.respond(msg, okReply(await handler(NatsBus.decode(msg), msg)));
        } catch (error) {
          const typed = typedError(error);
          if (typed !== error) this.#logger.warn(`request on ${subject}: ${String(error)}`);
          else if (!isCascadeError(error))
            this.#logger.error(`request on ${subject} failed: ${String(error)}`);
          NatsBus.respond(msg, errorReply(typed));
        }
      },
      options,
    );
  }

  /** Replies to a request message with a JSON value (no-op for a message without a reply subject). */
  static respond(msg: Msg, value: unknown): void {
    if (msg.reply) msg.respond(json.encode(value));
  }

  static decode(msg: Msg): unknown {
    return json.decode(msg.data);
  }

  /** Ends every subscription, letting messages already received finish. */
  async drain(): Promise<void> {
    await Promise.all(this.#subscriptions.splice(0).map((s) => s.drain().catch(() => undefined)));
  }
}
