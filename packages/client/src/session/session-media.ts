import type { JoinResult, ResumeResult } from '@cascade/contracts';
import type { Device, types as client } from 'mediasoup-client';

import type { CascadeLogger } from '../logger';
import { MediaSession, type MediaSessionOptions } from '../media/media-session';
import { isConnectionLost } from '../signaling/signaling-channel';
import type { Timings } from '../timing';

/** How the client came (back) into the room. */
export type SessionMode = 'joined' | 'resumed' | 'rejoined';

/** What the server kept of the media of a resumed session, for the client to keep too. */
export interface Survivors {
  consumers: Set<string>;
  producers: Set<string>;
}

/** The part of a media session this class drives (tests pass a fake). */
export type SessionMediaSession = Pick<
  MediaSession,
  | 'closed'
  | 'close'
  | 'consumers'
  | 'transports'
  | 'keepTransports'
  | 'updateIceServers'
  | 'restartIce'
  | 'closeTransport'
  | 'adoptTransports'
  | 'prepare'
>;

export interface SessionMediaOptions {
  request: MediaSessionOptions['request'];
  iceTransportPolicy?: 'all' | 'relay' | undefined;
  logger: CascadeLogger;
  timings: Timings;
  /** Whether a transport whose ICE failed is restarted now (not while reconnecting). */
  restartIceNow(): boolean;
  report(error: unknown): void;
  /** How media sessions are made (tests pass a fake). */
  create?: (options: MediaSessionOptions) => SessionMediaSession;
}

/**
 * The client's current media session, and how it follows the session on the server: a resumed
 * session keeps the transports the server kept (ICE restarted with fresh TURN credentials; one
 * whose restart fails is made anew) and the consumers and producers that survived; a join or a
 * rejoin, or a new Device, closes the old media and starts a new one from the join's transports.
 */
export class SessionMedia {
  #media: SessionMediaSession | undefined;

  constructor(private readonly options: SessionMediaOptions) {}

  /** The media session of the current join, if any. */
  get current(): MediaSession | undefined {
    return this.#media as MediaSession | undefined;
  }

  /**
   * Closes the media session before joining again: what still uses it fails with
   * `MediaSessionClosedError` (and waits for the new one) until the join makes the next.
   */
  close(): void {
    this.#media?.close();
  }

  /** Closes the media session and forgets it (the client is out of the room). */
  discard(): void {
    this.#media?.close();
    this.#media = undefined;
  }

  /**
   * Makes the media match a join or resume result, and says what survived of the old one. With
   * `newDevice` (the room's capabilities changed) nothing survives.
   */
  async follow(
    result: JoinResult | ResumeResult,
    mode: SessionMode,
    device: Device,
    newDevice: boolean,
  ): Promise<Survivors> {
    const survivors: Survivors = { consumers: new Set(), producers: new Set() };
    const media = this.#media;
    if (mode === 'resumed' && 'transports' in result && !newDevice && media && !media.closed) {
      media.keepTransports(new Set(result.transports.map((t) => t.transportId)));
      await this.#restartIce(media, result.iceServers);
      for (const id of result.consumerIds) if (media.consumers.has(id)) survivors.consumers.add(id);
      for (const id of result.producerIds) survivors.producers.add(id);
      return survivors;
    }
    media?.close();
    const fresh = this.#create(result, device);
    this.#media = fresh;
    fresh.adoptTransports(result.media?.transports ?? []);
    // Someone publishes already: the receive transport is made now, beside whatever the
    // application does next, instead of on its first subscription.
    if (result.producers.some((p) => p.participantId !== result.participantId))
      fresh.prepare('recv');
    return survivors;
  }

  async #restartIce(media: SessionMediaSession, iceServers: JoinResult['iceServers']) {
    const { logger } = this.options;
    // Fresh TURN credentials for the ICE restarts below.
    await media
      .updateIceServers(iceServers)
      .catch((error: unknown) => logger.warn('ICE servers not updated', { error: String(error) }));
    await Promise.all(
      media.transports().map((transport) =>
        media.restartIce(transport).catch((error: unknown) => {
          if (isConnectionLost(error)) throw error;
          logger.warn('ICE restart failed: the transport is made anew', {
            transportId: transport.id,
            error: String(error),
          });
          media.closeTransport(transport);
        }),
      ),
    );
  }

  #create(result: JoinResult | ResumeResult, device: Device): SessionMediaSession {
    const { options } = this;
    const sessionOptions: MediaSessionOptions = {
      device,
      request: options.request,
      iceServers: result.iceServers,
      ...(options.iceTransportPolicy ? { iceTransportPolicy: options.iceTransportPolicy } : {}),
      logger: options.logger,
      timings: options.timings,
      onIceFailed: (transport: client.Transport) => {
        if (!options.restartIceNow()) return; // the reconnection restarts ICE itself
        options.logger.warn('ICE failed: restarting it', { transportId: transport.id });
        this.#media?.restartIce(transport).catch((error: unknown) => options.report(error));
      },
    };
    return options.create ? options.create(sessionOptions) : new MediaSession(sessionOptions);
  }
}
