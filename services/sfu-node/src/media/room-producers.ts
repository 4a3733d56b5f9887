import { throwNotFound } from './media-errors';
import type { RoomEventBody } from './room-events';
import type { ProducerEntry, ProducerGoneReason } from './room-types';

export interface RoomProducersDeps {
  emit(event: RoomEventBody): void;
  /** An audio producer joined the room: the room's observers listen to it. */
  observeAudio(entry: ProducerEntry): void;
  /** A producer left the room (after it closed, before `producer.closed` is announced). */
  forget(entry: ProducerEntry): void;
}

/**
 * Every producer of a room on this node, local or piped in from another node. Adding one makes
 * it consumable, reported (its score) and announced (`producer.created`); a producer leaves once,
 * closed wherever it is, announced as `producer.closed` with why.
 */
export class RoomProducers {
  readonly #entries = new Map<string, ProducerEntry>();

  constructor(private readonly deps: RoomProducersDeps) {}

  get size(): number {
    return this.#entries.size;
  }

  get(producerId: string): ProducerEntry | undefined {
    return this.#entries.get(producerId);
  }

  has(producerId: string): boolean {
    return this.#entries.has(producerId);
  }

  entry(producerId: string): ProducerEntry {
    return this.#entries.get(producerId) ?? throwNotFound('producer', producerId);
  }

  values(): IterableIterator<ProducerEntry> {
    return this.#entries.values();
  }

  entries(): IterableIterator<[string, ProducerEntry]> {
    return this.#entries.entries();
  }

  [Symbol.iterator](): IterableIterator<[string, ProducerEntry]> {
    return this.#entries.entries();
  }

  /** Adds a producer (local or piped in) to the room: consumable, observed, announced. */
  add(entry: ProducerEntry): void {
    const { producer } = entry;
    this.#entries.set(producer.id, entry);
    producer.on('score', (scores) => {
      const score = Math.min(...scores.map((s) => s.score));
      if (Number.isFinite(score))
        this.deps.emit({
          type: 'producer.score',
          participantId: entry.participantId,
          producerId: producer.id,
          score,
        });
    });
    if (producer.kind === 'audio') this.deps.observeAudio(entry);
    this.deps.emit({
      type: 'producer.created',
      participantId: entry.participantId,
      producerId: producer.id,
      kind: producer.kind,
      source: entry.source,
      piped: entry.fromNodeId !== undefined,
      paused: producer.paused,
    });
  }

  /** Pause state of a producer piped in from another node, mirrored from its original. */
  async setPipedPaused(producerId: string, paused: boolean): Promise<void> {
    const entry = this.entry(producerId);
    if (entry.producer.paused === paused) return;
    await (paused ? entry.producer.pause() : entry.producer.resume());
    this.deps.emit({
      type: paused ? 'producer.paused' : 'producer.resumed',
      participantId: entry.participantId,
      producerId,
    });
  }

  /** Closes a producer wherever it is and tells the room, once. */
  remove(producerId: string, reason: ProducerGoneReason): void {
    const entry = this.#entries.get(producerId);
    if (!entry) return;
    this.#entries.delete(producerId);
    this.deps.forget(entry);
    entry.producer.close();
    this.deps.emit({
      type: 'producer.closed',
      participantId: entry.participantId,
      producerId,
      reason,
    });
  }

  /** The producers that live on `workerIndex`'s router. */
  onWorker(workerIndex: number): string[] {
    return [...this.#entries]
      .filter(([, entry]) => entry.workerIndex === workerIndex)
      .map(([id]) => id);
  }

  dump() {
    return [...this.#entries.values()].map((e) => ({
      producerId: e.producer.id,
      participantId: e.participantId,
      kind: e.producer.kind,
      source: e.source,
      workerIndex: e.workerIndex,
      paused: e.producer.paused,
      ...(e.fromNodeId ? { fromNodeId: e.fromNodeId } : {}),
    }));
  }
}
