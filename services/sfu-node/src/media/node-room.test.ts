import type { types as ms } from 'mediasoup';

import { NodeRoom, type RoomHost } from './node-room';

const LINGER_MS = 1_000;

/** A node that hosts rooms on one (fake) worker and records what rooms tell it. */
function fakeHost() {
  const emptied: NodeRoom[] = [];
  const events: Array<{ type: string }> = [];
  const host: RoomHost = {
    nodeId: 'n1',
    limits: {} as RoomHost['limits'],
    transport: {} as RoomHost['transport'],
    sink: { publish: (event) => events.push(event) },
    worker: (index) =>
      index === 0 ? { worker: {} as ms.Worker, webRtcServer: {} as ms.WebRtcServer } : undefined,
    pickWorker: () => 0,
    roomEmpty: (room) => emptied.push(room),
    lingerMs: LINGER_MS,
  };
  return { host, emptied, events };
}

describe('NodeRoom lifecycle', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('reports itself empty once its last participant has been gone for the linger time', () => {
    const { host, emptied } = fakeHost();
    const room = new NodeRoom('acme', 'standup', host);
    room.participantForTransport('p1', 0);
    room.removeParticipant('p1');
    jest.advanceTimersByTime(LINGER_MS - 1);
    expect(emptied).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(emptied).toEqual([room]);
  });

  it('arms no linger timer while closing: nothing reports a closed room empty afterwards', () => {
    const { host, emptied, events } = fakeHost();
    const room = new NodeRoom('acme', 'standup', host);
    room.participantForTransport('p1', 0);
    room.participantForTransport('p2', 0);

    room.close();
    jest.advanceTimersByTime(LINGER_MS * 10);

    expect(room.closed).toBe(true);
    expect(emptied).toEqual([]);
    expect(jest.getTimerCount()).toBe(0);
    expect(events.filter((e) => e.type === 'room.closed')).toHaveLength(1);
  });

  it('cancels a linger already armed when it closes, and closes once', () => {
    const { host, emptied, events } = fakeHost();
    const room = new NodeRoom('acme', 'standup', host);
    room.participantForTransport('p1', 0);
    room.removeParticipant('p1'); // linger armed
    room.close();
    room.close();
    jest.advanceTimersByTime(LINGER_MS * 10);
    expect(emptied).toEqual([]);
    expect(events.filter((e) => e.type === 'room.closed')).toHaveLength(1);
  });
});
