import type { ConsumerPlan, PlannedConsumer, PlannedProducer } from './view-planner';

/** When a room's audio is limited to its loudest speakers, and to how many. */
export interface AudioPolicy {
  /** A room of more participants than this hears only its loudest speakers. */
  above: number;
  /** How many speakers such a room hears. */
  loudest: number;
}

export const DEFAULT_AUDIO_POLICY: Readonly<AudioPolicy> = Object.freeze({ above: 20, loudest: 3 });

/**
 * The level (dBov, 0 the loudest) from which a voice in a node's audio levels counts as speaking
 * (the nodes report from -70, which background noise reaches).
 */
export const SPEAKING_DBOV = -50;

/** A voice of a node's `room.audioLevels`. */
export interface VoiceLevel {
  participantId: string;
  volume: number;
}

/**
 * Whose audio the room hears: everyone's (`'all'`, a room no larger than the policy's size), or
 * only that of these participants.
 */
export type Audible = 'all' | ReadonlySet<string>;

/** What decides whose audio flows in a room (the same for every participant of it). */
export interface AudibleInput {
  /** The room's active speakers, most recent first. */
  speakers: readonly string[];
  /** Everyone in the room. */
  roster: readonly string[];
  /** Every producer of the room. */
  producers: readonly PlannedProducer[];
}

/**
 * Decides whose audio a room hears: in a room of up to `above` participants, everyone's; in a
 * larger one, only that of its `loudest` most recent active speakers who are still in it and
 * publish audio. The choice is the room's, not a viewer's (each hears it without itself, whose
 * audio it never consumes), so any gateway that reads the room's speakers makes the same one,
 * whichever nodes the room spans.
 *
 * Plain and synchronous: the gateway's view operations load the inputs and apply the outcome.
 */
export class AudioPlanner {
  constructor(readonly policy: AudioPolicy = DEFAULT_AUDIO_POLICY) {}

  /** Whether a room of `size` participants hears only its loudest speakers. */
  limits(size: number): boolean {
    return size > this.policy.above;
  }

  audible(input: AudibleInput): Audible {
    if (!this.limits(input.roster.length)) return 'all';
    const present = new Set(input.roster);
    const speaking = new Set(
      input.producers
        .filter((p) => p.kind === 'audio' && present.has(p.participantId))
        .map((p) => p.participantId),
    );
    const chosen = new Set<string>();
    for (const id of input.speakers) {
      if (chosen.size >= this.policy.loudest) break;
      if (speaking.has(id)) chosen.add(id);
    }
    return chosen;
  }

  /**
   * The voice of a node's audio levels that a big room must hear and may not: the loudest, when
   * it speaks (at least {@link SPEAKING_DBOV}) and is not among the room's `loudest` most recent
   * speakers. A node's active-speaker observer hears only the node's own publishers and names
   * only a change, so a voice that is its node's dominant speaker already is never named again,
   * however long the room listened to other nodes meanwhile: its levels are what tell.
   */
  unheardVoice(levels: readonly VoiceLevel[], speakers: readonly string[]): string | undefined {
    let top: VoiceLevel | undefined;
    for (const level of levels) if (!top || level.volume > top.volume) top = level;
    if (!top || top.volume < SPEAKING_DBOV) return undefined;
    return speakers.slice(0, this.policy.loudest).includes(top.participantId)
      ? undefined
      : top.participantId;
  }

  /** Every audio consumer's plan under `audible` (consumers of unknown producers left out). */
  plan(
    audible: Audible,
    producers: readonly PlannedProducer[],
    consumers: readonly PlannedConsumer[],
  ): ConsumerPlan[] {
    const audio = new Map(
      producers.filter((p) => p.kind === 'audio').map((p) => [p.producerId, p.participantId]),
    );
    return consumers.flatMap(({ consumerId, producerId }) => {
      const participantId = audio.get(producerId);
      if (participantId === undefined) return [];
      return [{ consumerId, participantId, paused: !AudioPlanner.hears(audible, participantId) }];
    });
  }

  static hears(audible: Audible, participantId: string): boolean {
    return audible === 'all' || audible.has(participantId);
  }

  /** Whether two choices let the same participants be heard. */
  static same(a: Audible, b: Audible): boolean {
    if (a === 'all' || b === 'all') return a === b;
    return a.size === b.size && [...a].every((id) => b.has(id));
  }
}
