import { Inject, Injectable, Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { QUEUE_GROUPS, type Subjects, createSubjects } from '@cascade/contracts';
import { NatsBus, SERVICE_CONFIG } from '@cascade/server-kit';
import type { Msg } from 'nats';

import type { GatewayConfig } from '../config';
import { GatewayMetrics, GatewayMetricsModule } from '../metrics/gateway-metrics';
import { ParticipantSessions } from '../sessions/participant-sessions';
import { RoomMedia } from '../sessions/room-media';
import { SessionStore } from '../sessions/session-store';
import { SessionsModule } from '../sessions/sessions.module';
import { SocketIoModule, SocketIoServer } from '../signaling/socket-io.server';
import { EventRouter, type Routed } from './event-router';

/**
 * Subscribes, in the gateway queue group (each event is taken by one instance), to the SFU
 * nodes' room events, the orchestrator's room events and users' notifications, and hands them to
 * the {@link EventRouter}, which delivers them through Socket.IO rooms to every instance.
 */
@Injectable()
export class EventForwarder implements OnApplicationBootstrap {
  private readonly logger = new Logger('events');
  readonly router: EventRouter;
  readonly #subjects: Subjects;

  constructor(
    private readonly bus: NatsBus,
    @Inject(SERVICE_CONFIG) config: GatewayConfig,
    store: SessionStore,
    media: RoomMedia,
    sessions: ParticipantSessions,
    io: SocketIoServer,
    metrics: GatewayMetrics,
  ) {
    this.#subjects = createSubjects(config.NATS_SUBJECT_PREFIX);
    this.router = new EventRouter(
      this.#subjects,
      {
        removeProducers: (tenantId, roomId, ids) => media.removeProducers(tenantId, roomId, ids),
        swapSpeaker: (tenantId, roomId, speaker) => media.swapSpeaker(tenantId, roomId, speaker),
        forget: (participant, kind, id) => store.forget(participant, kind, id),
        reconnectRequired: (participant, reason) => sessions.reconnectRequired(participant, reason),
      },
      io,
      (type) => metrics.eventsForwarded.inc({ type }),
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
  imports: [SessionsModule, SocketIoModule, GatewayMetricsModule],
  providers: [EventForwarder],
})
export class EventsModule {}
