import type { TokenLifetime } from '../auth/token-lifetime';
import type { RoomChat } from '../chat/room-chat';
import type { Moderation } from '../moderation/moderation';
import type { MediaOperations } from '../routing/media-operations';
import type { ParticipantSessions } from '../sessions/participant-sessions';
import type { SignalingHandlers } from './request-pipeline';
import type { SignalingSocket } from './socket-data';

/** Which domain operation answers each signaling method. */
export function signalingHandlers(
  sessions: ParticipantSessions,
  media: MediaOperations,
  chat: RoomChat,
  moderation: Moderation,
  lifetime: Pick<TokenLifetime, 'refresh'>,
  clock: () => number = Date.now,
): SignalingHandlers<SignalingSocket> {
  return {
    'room.join': async ({ media: wanted, ...request }, socket) => {
      const joined = await sessions.join(socket, request);
      return wanted ? media.withJoinMedia(socket, wanted, joined) : joined;
    },
    'session.resume': async (_request, socket) => {
      const resumed = await sessions.resume(socket);
      media.resumed(socket); // dynacast: the publisher's layers again
      return resumed;
    },
    'session.refresh': (request, socket) => lifetime.refresh(socket, request),
    'room.capabilities': () => sessions.capabilities(),
    'room.leave': (_request, socket) => sessions.leave(socket),
    'participant.list': (_request, socket) => sessions.list(socket),
    'participant.remove': (request, socket) => moderation.remove(socket, request),
    'participant.ban': (request, socket) => moderation.ban(socket, request),
    'participant.mute': (request, socket) => moderation.mute(socket, request),
    'transport.create': (request, socket) => media.createTransport(socket, request),
    'transport.connect': (request, socket) => media.connectTransport(socket, request),
    'transport.restartIce': (request, socket) => media.restartIce(socket, request),
    'producer.create': (request, socket) => media.produce(socket, request),
    'producer.pause': (request, socket) => media.pauseProducer(socket, request),
    'producer.resume': (request, socket) => media.resumeProducer(socket, request),
    'producer.close': (request, socket) => media.closeProducer(socket, request),
    'consumer.create': (request, socket) => media.consume(socket, request),
    'consumer.resume': (request, socket) => media.resumeConsumer(socket, request),
    'consumer.pause': (request, socket) => media.pauseConsumer(socket, request),
    'consumer.close': (request, socket) => media.closeConsumer(socket, request),
    'consumer.setPreferredLayers': (request, socket) => media.setPreferredLayers(socket, request),
    'room.setView': (request, socket) => media.setView(socket, request),
    'chat.send': (request, socket) => chat.send(socket, request),
    'user.ping': () => Promise.resolve({ at: clock() }),
  };
}
