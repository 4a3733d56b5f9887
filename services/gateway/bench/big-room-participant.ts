import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import type { ClientView } from '@cascade/contracts';
import { OrchestratorClient, SfuNodeClient } from '@cascade/sfu-client';

import type { RunningCascadeStack, SignalingClient } from '../test/support/stack';
import { UdpSink } from './big-room-sinks';

const TIMEOUT_MS = 30_000;

/** Where a participant's room lives and what it consumes. */
export interface RoomPlan {
  tenantId: string;
  roomId: string;
  /** The real publishers' camera producers. */
  cameras: string[];
}

/** How long one participant took to get in. */
export interface JoinTiming {
  /** `room.join` sent to its acknowledgement (the participant is placed and in the room). */
  joinMs: number;
  /** `io()` to the last consumer resumed (connect, join, sink, consumers). */
  readyMs: number;
}

/**
 * A cheap participant of the big room: a raw signaling client (no WebRTC) that joins through a
 * gateway and consumes every real publisher's camera through the gateway's `consumer.create`
 * (the orchestrator pipes each camera to its node), on a transport that is not a WebRTC one:
 * an SRTP PlainTransport the benchmark makes for it on its node (the node's control API, as the
 * gateway lets no client make one) and points at a {@link UdpSink} of its own. The node treats
 * it as any receiver (SRTP encryption, layer selection, pausing by the view), and the sink
 * counts the bytes that reach the "client". What it omits: ICE/DTLS, congestion feedback
 * (no RTCP receiver reports, so no bandwidth estimate: a consumer sends the layer it is told).
 */
export class SinkParticipant {
  private constructor(
    readonly client: SignalingClient,
    readonly participantId: string,
    readonly nodeId: string,
    readonly sink: UdpSink,
    readonly timing: JoinTiming,
  ) {}

  static async join(
    stack: RunningCascadeStack,
    plan: RoomPlan,
    user: string,
    gateway: number,
    view: ClientView | undefined,
  ): Promise<SinkParticipant> {
    const started = performance.now();
    const client = await stack.connect(
      gateway,
      { tenant: plan.tenantId, user, room: plan.roomId, name: user },
      { timeoutMs: TIMEOUT_MS },
    );
    let sink: UdpSink | undefined;
    try {
      const sent = performance.now();
      const join = await client.call('room.join', {}, TIMEOUT_MS);
      const joinMs = performance.now() - sent;
      const { participantId } = join;
      const room = await new OrchestratorClient(stack.nc, stack.subjects, {
        timeoutMs: TIMEOUT_MS,
      }).admin({ op: 'room.get', tenantId: plan.tenantId, roomId: plan.roomId });
      const nodeId = room.participants.find((p) => p.participantId === participantId)?.nodeId;
      if (!nodeId) throw new Error(`${participantId} is not placed`);
      const node = new SfuNodeClient(stack.nc, stack.subjects, nodeId, { timeoutMs: TIMEOUT_MS });
      const who = { tenantId: plan.tenantId, roomId: plan.roomId, participantId };
      sink = await UdpSink.open();
      const transport = await node.request('transport.createPlain', {
        ...who,
        comedia: false,
        rtcpMux: true,
        enableSrtp: true,
      });
      await node.request('transport.connectPlain', {
        ...who,
        transportId: transport.transportId,
        ip: '127.0.0.1',
        port: sink.port,
        srtpParameters: {
          cryptoSuite: 'AES_CM_128_HMAC_SHA1_80',
          keyBase64: randomBytes(30).toString('base64'),
        },
      });
      for (const producerId of plan.cameras) {
        const consumer = await client.call(
          'consumer.create',
          { transportId: transport.transportId, producerId, rtpCapabilities: join.rtpCapabilities },
          TIMEOUT_MS,
        );
        await client.call('consumer.resume', { consumerId: consumer.consumerId }, TIMEOUT_MS);
      }
      if (view) await client.call('room.setView', view, TIMEOUT_MS);
      const readyMs = performance.now() - started;
      return new SinkParticipant(client, participantId, nodeId, sink, { joinMs, readyMs });
    } catch (error) {
      sink?.close();
      client.close();
      throw error;
    }
  }

  async setView(view: ClientView): Promise<void> {
    await this.client.call('room.setView', view, TIMEOUT_MS);
  }

  async leave(): Promise<void> {
    if (this.client.connected)
      await this.client.request('room.leave', {}, 15_000).catch(() => undefined);
    this.client.close();
    this.sink.close();
  }
}
