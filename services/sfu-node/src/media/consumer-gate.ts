import type { SfuControlRequestOf } from '@cascade/contracts';
import type { types as ms } from 'mediasoup';

/**
 * Why a consumer is paused. Two parties pause consumers, each for its own reason: the client
 * (`consumer.pause`/`consumer.resume`: its receiver is not ready yet, or it does not want the
 * track) and the gateway for the client's view (`consumer.setViewState`: the participant is not
 * on screen nor among the recent speakers; or, for audio in a big room, not among its loudest). The mediasoup consumer is paused while either holds
 * it, so that neither undoes the other: a client that resumes a consumer the view paused gets
 * nothing until the view wants it, and the view resuming a consumer the client paused leaves it
 * paused.
 */
export interface PauseReasons {
  client: boolean;
  view: boolean;
}

/** Which simulcast layer the view prefers, per consumer (absent: none set by the view). */
export interface ConsumerGateState extends PauseReasons {
  spatialLayer?: number;
}

/** The narrow part of a mediasoup consumer the gate drives (tests pass a fake). */
export type GatedConsumer = Pick<
  ms.Consumer,
  'id' | 'kind' | 'type' | 'paused' | 'pause' | 'resume' | 'setPreferredLayers'
>;

const states = new WeakMap<GatedConsumer, ConsumerGateState>();

/** The consumer's pause reasons; one that was never gated is paused by the client or not at all. */
export function gateOf(consumer: GatedConsumer): ConsumerGateState {
  let state = states.get(consumer);
  if (!state) {
    state = { client: consumer.paused, view: false };
    states.set(consumer, state);
  }
  return state;
}

/** The client's own pause or resume (`consumer.pause` / `consumer.resume`). */
export async function setClientPaused(consumer: GatedConsumer, paused: boolean): Promise<void> {
  gateOf(consumer).client = paused;
  await sync(consumer);
}

/** The view's pause or resume, and its preferred spatial layer when given. */
export async function setViewState(
  consumer: GatedConsumer,
  state: { paused: boolean; spatialLayer?: number | undefined },
): Promise<void> {
  const gate = gateOf(consumer);
  gate.view = state.paused;
  if (state.spatialLayer !== undefined && gate.spatialLayer !== state.spatialLayer) {
    gate.spatialLayer = state.spatialLayer;
    // A stream of one layer has nothing to choose (mediasoup clamps to the layers there are).
    if (consumer.type === 'simulcast' || consumer.type === 'svc')
      await consumer.setPreferredLayers({ spatialLayer: state.spatialLayer });
  }
  await sync(consumer);
}

/**
 * Applies `consumer.setViewState` to a participant's consumers; answers the ids not found (a
 * consumer that closed meanwhile is no error: the view is applied to what exists). An audio
 * consumer takes the pause only (a big room hears its loudest speakers); it has no layers.
 */
export async function applyViewStates(
  consumers: ReadonlyMap<string, GatedConsumer>,
  entries: SfuControlRequestOf<'consumer.setViewState'>['consumers'],
): Promise<{ missing: string[] }> {
  const missing: string[] = [];
  for (const entry of entries) {
    const consumer = consumers.get(entry.consumerId);
    if (!consumer) {
      missing.push(entry.consumerId);
      continue;
    }
    await setViewState(consumer, consumer.kind === 'video' ? entry : { paused: entry.paused });
  }
  return { missing };
}

/** Whether a reason holds the consumer paused; false for one never gated. */
export function heldPaused(consumer: GatedConsumer): boolean {
  const state = states.get(consumer);
  return state !== undefined && (state.client || state.view);
}

/** What a room dump says of a consumer's gate. */
export function gateDump(consumer: GatedConsumer): {
  viewPaused: boolean;
  preferredSpatialLayer?: number;
} {
  const state = states.get(consumer);
  return {
    viewPaused: state?.view ?? false,
    ...(state?.spatialLayer === undefined ? {} : { preferredSpatialLayer: state.spatialLayer }),
  };
}

/** Pauses or resumes the mediasoup consumer so that it is paused exactly while a reason holds. */
async function sync(consumer: GatedConsumer): Promise<void> {
  const { client, view } = gateOf(consumer);
  const paused = client || view;
  if (paused && !consumer.paused) await consumer.pause();
  else if (!paused && consumer.paused) await consumer.resume();
}
