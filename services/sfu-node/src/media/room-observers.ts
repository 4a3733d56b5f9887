import type { types as ms } from 'mediasoup';

import type { RoomEventBody } from './room-events';

export interface RoomObserversDeps {
  /** The worker the observers go on (the room's first router's). */
  workerIndex(): number;
  router(
    workerIndex: number,
  ): Promise<
    Pick<ms.Router, 'createActiveSpeakerObserver' | 'createAudioLevelObserver' | 'observer'>
  >;
  /** Makes the producer consumable on the observers' router. */
  ensureProducerOn(producerId: string, workerIndex: number): Promise<void>;
  /** The room's audio producers now (those the observers listen to). */
  audioProducers(): string[];
  /** Whose producer this is, while it is in the room. */
  participantOf(producerId: string): string | undefined;
  emit(event: RoomEventBody): void;
}

interface Observers {
  workerIndex: number;
  speaker: ms.ActiveSpeakerObserver;
  levels: ms.AudioLevelObserver;
}

/**
 * A room's active-speaker and audio-level observers on this node: made on the first audio
 * producer, on one router (audio of other workers is piped there), made again when that router's
 * worker is lost, listening then to every audio producer still in the room. They announce `room.activeSpeaker`, `room.audioLevels` and `room.silence`, naming only
 * producers still in the room.
 */
export class RoomObservers {
  #observers?: Promise<Observers>;
  /** The worker `#observers` are (being) made on. */
  #workerIndex?: number;

  constructor(private readonly deps: RoomObserversDeps) {}

  /** Listens to an audio producer (best effort: one that left meanwhile is skipped). */
  async observe(producerId: string): Promise<void> {
    const observers = await this.#ensure();
    if (this.deps.participantOf(producerId) === undefined) return;
    await this.deps.ensureProducerOn(producerId, observers.workerIndex);
    await Promise.all([
      observers.speaker.addProducer({ producerId }),
      observers.levels.addProducer({ producerId }),
    ]);
  }

  /**
   * A worker died (the room's producers on it are gone already). If the observers were there
   * (or their router closed meanwhile), they are made again, on a live router, for every audio
   * producer still in the room: without this they would wait for the next new audio producer.
   */
  workerLost(workerIndex: number): void {
    if (this.#observers !== undefined && this.#workerIndex !== workerIndex) return;
    this.#observers = undefined;
    for (const producerId of this.deps.audioProducers())
      void this.observe(producerId).catch(() => {});
  }

  #ensure(): Promise<Observers> {
    if (!this.#observers) {
      const workerIndex = this.deps.workerIndex();
      this.#workerIndex = workerIndex;
      this.#observers = this.#create(workerIndex);
    }
    const observers = this.#observers;
    observers.catch(() => {
      if (this.#observers === observers) this.#observers = undefined;
    });
    return observers;
  }

  async #create(workerIndex: number): Promise<Observers> {
    const { deps } = this;
    const router = await deps.router(workerIndex);
    const speaker = await router.createActiveSpeakerObserver({ interval: 300 });
    const levels = await router.createAudioLevelObserver({
      maxEntries: 5,
      threshold: -70,
      interval: 800,
    });
    speaker.on('dominantspeaker', ({ producer }) => {
      const participantId = deps.participantOf(producer.id);
      if (participantId !== undefined)
        deps.emit({ type: 'room.activeSpeaker', participantId, producerId: producer.id });
    });
    levels.on('volumes', (volumes) => {
      const known = volumes.flatMap(({ producer, volume }) => {
        const participantId = deps.participantOf(producer.id);
        return participantId === undefined
          ? []
          : [{ participantId, producerId: producer.id, volume }];
      });
      if (known.length > 0) deps.emit({ type: 'room.audioLevels', levels: known });
    });
    levels.on('silence', () => deps.emit({ type: 'room.silence' }));
    const made: Observers = { workerIndex, speaker, levels };
    router.observer.once('close', () => {
      if (this.#observers !== undefined && this.#workerIndex === workerIndex)
        this.#observers = undefined;
    });
    return made;
  }
}
