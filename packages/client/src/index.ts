/**
 * Cascade client SDK: join a room, publish and subscribe, in browsers and in Node.
 *
 * - {@link CascadeClient}: the participant (connection, media, events, reconnection).
 * - {@link UserConnection}: the signed-in user's connection while the app is open, in no room:
 *   notifications (invitations, friends).
 * - {@link installWebRtcGlobals}: WebRTC for Node (@roamhq/wrtc) before a client joins there.
 * - {@link connectionQuality}: grades two stats samples (`client.getStats()`) for a UI.
 */
export { CascadeClient, type CascadeClientSeams } from './cascade-client';
export {
  UserConnection,
  type UserConnectionEvents,
  type UserConnectionOptions,
  type UserConnectionSeams,
  type UserConnectionState,
} from './user-connection';
export { installWebRtcGlobals, type NodeWebRtc } from './node';
export { type CascadeLogger, silentLogger } from './logger';
export { TypedEmitter, type AnyListener, type Listener } from './typed-emitter';
export {
  CAMERA_SIMULCAST_ENCODINGS,
  SCREEN_ENCODINGS,
  publishProfile,
  simulcastLayersFor,
  type PublishProfile,
} from './media/encodings';
export { chooseLayers, layerSpaceOf, spatialLayerForHeight, type LayerSpace } from './media/layers';
export { DEFAULT_BACKOFF, backoffDelay } from './reconnect/backoff';
export {
  QUALITY_THRESHOLDS,
  STALL_MIN_INTERVAL_MS,
  connectionQuality,
} from './stats/connection-quality';
export type {
  CallStats,
  ConnectionQuality,
  LocalEncodingStats,
  LocalTrackStats,
  Quality,
  RemoteTrackStats,
  TransportStats,
} from './stats/stats-types';
export { isConnectionLost } from './signaling/signaling-channel';
export type { TimingEntry, TimingStep } from './timing';
export {
  socketIoFactory,
  socketIoOptions,
  type SignalingSocket,
  type SignalingTransport,
  type SocketFactory,
  type SocketFactoryOptions,
} from './signaling/signaling-socket';
export * from './types';
export {
  CascadeError,
  isCascadeError,
  PROTOCOL_VERSION,
  type UserEvent,
  type UserEventType,
} from '@cascade/contracts';
