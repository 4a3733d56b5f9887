import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { SERVICE_CONFIG } from '@cascade/server-kit';

import type { GatewayConfig } from '../config';
import { expelSocket } from '../auth/token-lifetime';
import type { ParticipantRef } from '../signaling/channels';
import type { SocketData } from '../signaling/socket-data';
import { SocketIoServer } from '../signaling/socket-io.server';
import { ParticipantSessions } from './participant-sessions';
import { SessionStore } from './session-store';

/** How often every instance sweeps and beats. */
export const SWEEP_INTERVAL_MS = 500;
/** An instance silent this long is dead: the sessions its sockets held start their grace. */
export const INSTANCE_DEAD_AFTER_MS = 10_000;

/**
 * Every instance, every half second: says it is alive, adopts the sessions of instances that
 * died (their sockets are gone, so their grace period starts), and ends the dropped sessions
 * whose grace period is over (each claimed by exactly one instance), telling the room.
 */
@Injectable()
export class SessionSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('session-sweeper');
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #lastError = '';

  constructor(
    private readonly store: SessionStore,
    private readonly sessions: ParticipantSessions,
    private readonly sockets: SocketIoServer,
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.#timer = setInterval(() => {
      this.#running ??= this.sweep()
        .then(
          () => {
            this.#lastError = '';
          },
          (error: unknown) => {
            // Redis away: say it once, keep trying.
            if (String(error) !== this.#lastError)
              this.logger.warn(`sweep failed: ${String(error)}`);
            this.#lastError = String(error);
          },
        )
        .finally(() => (this.#running = undefined));
    }, SWEEP_INTERVAL_MS);
    this.#timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }

  async sweep(now = Date.now()): Promise<void> {
    if (await this.store.heartbeat(now)) await this.#reclaimLocalSessions();
    const adopted = await this.store.adoptOrphans(
      now,
      INSTANCE_DEAD_AFTER_MS,
      this.config.GATEWAY_RESUME_GRACE_MS,
    );
    if (adopted > 0) this.logger.warn({ adopted, msg: 'adopted the sessions of a dead instance' });
    await this.#endExpiredTokens(now);
    for (const ref of await this.store.claimExpired(now)) {
      await this.sessions.end(ref, 'disconnected').catch((error: unknown) =>
        this.logger.warn({
          ...ref,
          error: String(error),
          msg: 'ending an expired session failed',
        }),
      );
    }
  }

  /**
   * The room sockets of this instance whose join token expired (not refreshed in time) are put
   * out: told `session_expired`, their session ended, disconnected. (A dropped session's expiry
   * is checked when it is resumed: its resume is refused.)
   */
  async #endExpiredTokens(now: number): Promise<void> {
    const expired = [...this.sockets.localSockets()].filter((socket) => {
      const identity = socket.data.identity as SocketData['identity'] | undefined;
      return (
        identity?.kind === 'room' && identity.token !== undefined && identity.token.expiresAt <= now
      );
    });
    for (const socket of expired) {
      this.logger.log({
        socketId: socket.id,
        ...(socket.data.session ? refOf(socket.data.session) : {}),
        msg: 'join token expired: socket put out',
      });
      await expelSocket(socket, this.sessions, 'session_expired').catch((error: unknown) =>
        this.logger.warn({
          socketId: socket.id,
          error: String(error),
          msg: 'expiring a socket failed',
        }),
      );
    }
  }

  /** This instance was taken for dead (or just started): its live sockets keep their sessions. */
  async #reclaimLocalSessions(): Promise<void> {
    for (const socket of this.sockets.localSockets()) {
      const binding = socket.data.session;
      if (binding && socket.connected) await this.store.reclaim(binding, socket.id);
    }
  }
}

function refOf(p: ParticipantRef): ParticipantRef {
  return { tenantId: p.tenantId, roomId: p.roomId, participantId: p.participantId };
}
