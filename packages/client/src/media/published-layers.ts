/** The send parameters dynacast reads and writes: the encodings, lowest layer first. */
export interface EncodingParameters {
  encodings: Array<{ active?: boolean; rid?: string }>;
}

/** The part of an `RTCRtpSender` dynacast uses. */
export interface EncodingSender {
  getParameters(): EncodingParameters;
  setParameters(parameters: EncodingParameters): Promise<void>;
}

/**
 * Turns the encodings of `sender` above `maxSpatialLayer` off and the others on (`null`: all
 * off), with `RTCRtpSender.setParameters`: the encoder stops on the spot and nothing is
 * renegotiated. Answers whether anything changed (nothing is set when nothing would). Browsers
 * do it; libwebrtc in Node (@roamhq/wrtc) refuses it once the sender is negotiated (it forgets
 * the parameters' transaction on its signaling thread before JavaScript sees them:
 * `InvalidStateError`), so a Node client keeps sending every layer.
 */
export async function limitEncodings(
  sender: EncodingSender,
  maxSpatialLayer: number | null,
): Promise<boolean> {
  const parameters = sender.getParameters();
  let changed = false;
  parameters.encodings.forEach((encoding, layer) => {
    const active = maxSpatialLayer !== null && layer <= maxSpatialLayer;
    if ((encoding.active ?? true) === active) return;
    encoding.active = active;
    changed = true;
  });
  if (changed) await sender.setParameters(parameters);
  return changed;
}

/**
 * Dynacast in the client: the simulcast layers of its own producers that nobody in the room
 * wants (the gateway's `producer.layers`) are not encoded nor sent. One sender's changes run one
 * after the other, each with the latest wish, so that a burst of them ends as the last one says.
 */
export class PublishedLayers {
  readonly #senders = new WeakMap<
    EncodingSender,
    { wanted: number | null; applying: Promise<void> }
  >();

  /** Sends the layers of `sender` up to `maxSpatialLayer` (`null`: none) from now on. */
  limit(sender: EncodingSender, maxSpatialLayer: number | null): Promise<void> {
    let state = this.#senders.get(sender);
    if (!state) {
      state = { wanted: maxSpatialLayer, applying: Promise.resolve() };
      this.#senders.set(sender, state);
    }
    state.wanted = maxSpatialLayer;
    const current = state;
    const applying = current.applying.then(async () => {
      await limitEncodings(sender, current.wanted);
    });
    current.applying = applying.catch(() => undefined);
    return applying;
  }
}
