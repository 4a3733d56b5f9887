import { Inject, Injectable, Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { QUEUE_GROUPS, type Subjects, createSubjects } from '@cascade/contracts';
import { NatsBus, REDIS, SERVICE_CONFIG, type RedisClient } from '@cascade/server-kit';
import type { Msg } from '@nats-io/transport-node';

import type { GatewayConfig } from '../config';
import { GatewayMetrics, GatewayMetricsModule } from '../metrics/gateway-metrics';
import { ParticipantSessions } from '../sessions/participant-sessions';
import { RoomMedia } from '../sessions/room-media';
import { SessionStore } from '../sessions/session-store';
import { SessionsModule } from '../sessions/sessions.module';
import { SocketIoModule, SocketIoServer } from '../signaling/socket-io.server';
import { ViewModule } from '../view/view.module';
import { ViewOperations } from '../view/view-operations';
import { RevocationList } from '../auth/revocation-list';
import { expelSocket } from '../auth/token-lifetime';
import type { GatewaySocket } from '../signaling/socket-io.server';
import { EventRouter, type Routed } from './event-router';
import { SessionControl } from './session-control';

/**
 * Subscribes, in the gateway queue group (each event is taken by one instance), to the SFU
 * nodes' room events, the orchestrator's room events and users' notifications, and hands them to
 * the {@link EventRouter}, which delivers them through Socket.IO rooms to every instance.
 */
@Injectable()
export class EventForwarder implements OnApplicationBootstrap {
  private readonly logger = new Logger('events');
  readonly router: EventRouter;
  readonly control: SessionControl;
  readonly #subjects: Subjects;

  constructor(
    private readonly bus: NatsBus,
    @Inject(SERVICE_CONFIG) config: GatewayConfig,
    store: SessionStore,
    media: RoomMedia,
    sessions: ParticipantSessions,
    io: SocketIoServer,
    metrics: GatewayMetrics,
    revocations: RevocationList,
    views: ViewOperations,
  ) {
    this.#subjects = createSubjects(config.NATS_SUBJECT_PREFIX);
    this.router = new EventRouter(
      this.#subjects,
      {
        removeProducers: (tenantId, roomId, ids) => media.removeProducers(tenantId, roomId, ids),
        swapSpeaker: async (tenantId, roomId, speaker) => {
          const changed = await media.swapSpeaker(tenantId, roomId, speaker);
          // Views follow the speakers (best effort, not awaited: the event goes out first).
          if (changed) void views.speakerChanged(tenantId, roomId, speaker.split('/')[0]!);
          return changed;
        },
        // Not awaited either: a big room's audio follows its loudest voices on every node.
        audioLevels: (tenantId, roomId, levels) => void views.audioLevels(tenantId, roomId, levels),
        forget: async (participant, kind, id) => {
          const forgotten = await store.forget(participant, kind, id);
          // Dynacast: a consumer gone may leave a layer its publisher sends unwanted.
          if (forgotten && kind === 'consumer') views.consumerClosed(participant);
          return forgotten;
        },
        reconnectRequired: (participant, reason) => sessions.reconnectRequired(participant, reason),
      },
      io,
      (type) => metrics.eventsForwarded.inc({ type }),
    );
    this.control = new SessionControl(
      this.#subjects,
      (tenantId, roomId) => store.everyone(tenantId, roomId),
      sessions,
      revocations,
      () => io.localSockets(),
      (socket, reason) => expelSocket(socket as GatewaySocket, sessions, reason),
      { info: (fields, msg) => this.logger.log({ ...fields, msg }) },
    );
  }

  onApplicationBootstrap(): void {
    const subjects = this.#subjects;
    const queue = { queue: QUEUE_GROUPS.gateway };
    this.bus.subscribe(
      subjects.sfuRoomEventsAll(),
      (msg) => this.#route(msg, (s, b) => this.router.sfuRoomEvent(s, b)),
      queue,
    );
    this.bus.subscribe(
      subjects.roomEventsAll(),
      (msg) => this.#route(msg, (s, b) => this.router.roomEvent(s, b)),
      queue,
    );
    this.bus.subscribe(
      subjects.userEventsAll(),
      (msg) => this.#route(msg, async (s, b) => this.router.userEvent(s, b)),
      queue,
    );
    // Removals from a room: one instance expels the participants, wherever their sockets are.
    this.bus.subscribe(
      subjects.roomRemovalsAll(),
      (msg) => this.#route(msg, (s, b) => this.control.roomRemoval(s, b)),
      queue,
    );
    // Revocations: every instance, for the sockets it holds (no queue group).
    this.bus.subscribe(subjects.credentialRevocationsAll(), (msg) =>
      this.#route(msg, (s, b) => this.control.revocation(s, b)),
    );
  }

  async #route(
    msg: Msg,
    route: (subject: string, body: unknown) => Promise<Routed>,
  ): Promise<void> {
    let body: unknown;
    try {
      body = NatsBus.decode(msg);
    } catch {
      this.logger.warn({ subject: msg.subject, msg: 'event is not JSON; dropped' });
      return;
    }
    const routed = await route(msg.subject, body);
    if (routed === 'invalid' || routed === 'wrong-subject')
      this.logger.warn({ subject: msg.subject, routed, msg: 'event dropped' });
  }
}

@Module({
  imports: [SessionsModule, SocketIoModule, GatewayMetricsModule, ViewModule],
  providers: [
    EventForwarder,
    {
      provide: RevocationList,
      inject: [REDIS],
      useFactory: (redis: RedisClient) => new RevocationList(redis),
    },
  ],
})
export class EventsModule {}
