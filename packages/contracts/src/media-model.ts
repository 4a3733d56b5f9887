import { z } from 'zod';

/**
 * What one participant costs the SFU, in one place: the SDK's default last-N, what the nodes
 * forward, and what the orchestrator reserves for a join and its placement simulation models
 * (`services/sfu-orchestrator/bench`) all read these values, so the model and the product agree.
 *
 * A webinar's viewer (a `viewer` participant: subscribe without publish) needs no figure of its
 * own: it publishes nothing, so it costs `streamsPerParticipant` consumers of each speaker it
 * receives (up to `lastN` speakers) on its node, and the speakers' node one pipe of each speaker
 * to its node when that node is new to the room; nobody consumes it.
 */

/** The largest last-N a client may ask for (videos received at most). */
export const MAX_LAST_N = 100;

/** How many other participants' videos a client receives at most (last-N). */
export const LastN = z.number().int().min(1).max(MAX_LAST_N);
export type LastN = z.infer<typeof LastN>;

export const MediaModel = z.object({
  /**
   * Most other participants a client receives (camera and microphone) when it asks for no
   * other limit: about the largest gallery a screen shows (Jitsi's last-N, LiveKit's adaptive
   * subscription). In a room larger than this, a newcomer takes someone's place in the others'
   * last-N instead of adding to it.
   */
  lastN: LastN,
  /**
   * Streams one participant publishes (camera and microphone), which is also what one viewer
   * consumes of each participant it receives: the per-viewer cost in streams.
   */
  streamsPerParticipant: z.number().int().min(1).max(16),
  /** Mean outgoing bitrate of one consumed stream (half audio, ~40 kbps; half video, ~560 kbps). */
  bitratePerStreamBps: z.number().int().positive(),
});
export type MediaModel = z.infer<typeof MediaModel>;

export const MEDIA_MODEL: Readonly<MediaModel> = Object.freeze(
  MediaModel.parse({ lastN: 25, streamsPerParticipant: 2, bitratePerStreamBps: 300_000 }),
);

/** The SDK's last-N when a client sets none; the orchestrator sizes its reservations with it. */
export const DEFAULT_LAST_N: LastN = MEDIA_MODEL.lastN;
