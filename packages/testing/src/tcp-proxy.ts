import { type AddressInfo, createServer, type Server, type Socket, connect } from 'node:net';

/**
 * A TCP forwarder in front of a real dependency, so that a test can take the dependency away
 * from one service (`cut()`: close every connection and refuse new ones) and give it back
 * (`restore()`), without stopping the shared PostgreSQL, Redis or NATS.
 *
 * `blackhole()` is the other kind of outage, a silent partition: connections stay open and new
 * ones are accepted, but no byte passes either way and nothing is closed (no FIN, no RST), as
 * when packets are dropped on the way. Only a client's own keepalive notices it.
 */
export class TcpProxy {
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #blackholed = false;
  #port = 0;

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** `listenPort` 0 (the default): an ephemeral port; otherwise that fixed port. */
  static async start(targetHost: string, targetPort: number, listenPort = 0): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetHost, targetPort);
    await proxy.#listen(listenPort);
    return proxy;
  }

  get port(): number {
    return this.#port;
  }

  /** Rewrites a URL's host and port to go through this proxy. */
  rewrite(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.#port);
    return u.toString();
  }

  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Drops every byte both ways from now on and closes nothing (see the class comment). */
  blackhole(): void {
    this.#blackholed = true;
    for (const socket of this.#sockets) {
      socket.unpipe();
      socket.pause();
    }
  }

  /**
   * Ends a cut or a blackhole. The connections held through a blackhole are closed now (after a
   * partition heals, the peers' old connections are long given up), new ones are forwarded.
   */
  async restore(): Promise<void> {
    if (this.#blackholed) {
      this.#blackholed = false;
      for (const socket of this.#sockets) socket.destroy();
      this.#sockets.clear();
    }
    if (!this.#server) await this.#listen(this.#port);
  }

  async stop(): Promise<void> {
    await this.cut();
  }

  async #listen(port: number): Promise<void> {
    const server = createServer((client) => {
      if (this.#blackholed) {
        // Accepted and then silent: the connect succeeds, nothing ever answers.
        this.#sockets.add(client);
        client.on('error', () => client.destroy()).pause();
        return;
      }
      const upstream = connect(this.targetPort, this.targetHost);
      this.#sockets.add(client).add(upstream);
      const close = () => {
        client.destroy();
        upstream.destroy();
        this.#sockets.delete(client);
        this.#sockets.delete(upstream);
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.#server = server;
    this.#port = (server.address() as AddressInfo).port;
  }
}
