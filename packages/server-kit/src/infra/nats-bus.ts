import { errorReply, isCascadeError, okReply } from '@cascade/contracts';
import { Logger } from '@nestjs/common';
import type { ClientNats } from '@nestjs/microservices';
import { JSONCodec, type Msg, type NatsConnection, type Subscription } from 'nats';

import { withTimeout } from '../time';

const json = JSONCodec<unknown>();

export type MessageHandler = (msg: Msg) => Promise<void> | void;

/**
 * The service's NATS connection for subjects built at run time (node ids, tenant and room ids,
 * the deployment's prefix), which Nest's static `@MessagePattern` decorators cannot express.
 * It shares the kit's client connection. Subscriptions made before NATS is reachable start when
 * it is; publishing before then is dropped (and counted) rather than queued without bound.
 */
export class NatsBus {
  readonly #logger = new Logger('nats-bus');
  readonly #subscriptions: Subscription[] = [];
  #connection: NatsConnection | undefined;
  #connecting: Promise<NatsConnection> | undefined;
  #dropped = 0;

  constructor(private readonly client: ClientNats) {}

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
   * Runs `handler` for every message on `subject` (in `queue`, when given). A handler that
   * throws is logged; it never ends the subscription.
   */
  subscribe(subject: string, handler: MessageHandler, options: { queue?: string } = {}): void {
    void this.connected().then((nc) => {
      const sub = nc.subscribe(subject, options.queue ? { queue: options.queue } : {});
      this.#subscriptions.push(sub);
      void (async () => {
        for await (const msg of sub) {
          Promise.resolve()
            .then(() => handler(msg))
            .catch((error: unknown) =>
              this.#logger.error(`handler for ${subject} failed: ${String(error)}`),
            );
        }
      })();
    });
  }

  /**
   * Serves request/reply on `subject`: `handler` gets the decoded body and its result goes back as
   * `okReply`; anything it throws goes back as `errorReply` (the envelope), and a failure that is
   * not a `CascadeError` is logged, since the caller only sees `INTERNAL`.
   */
  serve(
    subject: string,
    handler: (body: unknown, msg: Msg) => Promise<unknown> | unknown,
    options: { queue?: string } = {},
  ): void {
    this.subscribe(
      subject,
      async (msg) => {
        try {
          NatsBus.respond(msg, okReply(await handler(NatsBus.decode(msg), msg)));
        } catch (error) {
          if (!isCascadeError(error))
            this.#logger.error(`request on ${subject} failed: ${String(error)}`);
          NatsBus.respond(msg, errorReply(error));
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
