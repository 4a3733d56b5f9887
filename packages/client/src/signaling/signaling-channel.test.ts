import { CascadeError } from '@cascade/contracts';

import { isConnectionLost, SignalingChannel, unwrapAck } from './signaling-channel';
import type { SignalingSocket } from './signaling-socket';

type Listener = (...args: unknown[]) => void;

/** A connected socket whose acknowledgements the test gives by hand. */
class ScriptedSocket implements SignalingSocket {
  connected = true;
  readonly sent: Array<{ event: string; payload: unknown; ack: (reply: unknown) => void }> = [];
  readonly listeners = new Map<string, Set<Listener>>();
  disconnects = 0;

  emit(event: string, payload: unknown, ack: (reply: unknown) => void): void {
    this.sent.push({ event, payload, ack });
  }
  on(event: string, listener: Listener): void {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event)?.add(listener);
  }
  off(event: string, listener: Listener): void {
    this.listeners.get(event)?.delete(listener);
  }
  disconnect(): void {
    this.disconnects++;
    this.connected = false;
  }
  fire(event: string, ...args: unknown[]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) listener(...args);
  }
  listenerCount(): number {
    return [...this.listeners.values()].reduce((n, set) => n + set.size, 0);
  }
}

function channel(timeoutMs = 1_000) {
  const socket = new ScriptedSocket();
  return { socket, channel: new SignalingChannel(socket, 'ws://gw', timeoutMs) };
}

describe('SignalingChannel', () => {
  afterEach(() => jest.useRealTimers());

  it('emits the method with its payload and an ack, and resolves with the data', async () => {
    const { socket, channel: ch } = channel();
    const result = ch.request('chat.send', { text: 'hi' });
    expect(socket.sent).toHaveLength(1);
    expect(socket.sent[0]).toMatchObject({ event: 'chat.send', payload: { text: 'hi' } });
    socket.sent[0]?.ack({ ok: true, data: { messageId: 'm1', at: 1 } });
    await expect(result).resolves.toEqual({ messageId: 'm1', at: 1 });
  });

  it('rejects with the CascadeError of an error envelope', async () => {
    const { socket, channel: ch } = channel();
    const result = ch.request('room.leave', {});
    socket.sent[0]?.ack({
      ok: false,
      error: { code: 'FORBIDDEN', message: 'no publish grant', details: { grant: 'publish' } },
    });
    await expect(result).rejects.toEqual(
      new CascadeError('FORBIDDEN', 'no publish grant', { grant: 'publish' }),
    );
    await expect(result).rejects.toMatchObject({
      code: 'FORBIDDEN',
      details: { grant: 'publish' },
    });
  });

  it('rejects a malformed acknowledgement as INTERNAL', async () => {
    const { socket, channel: ch } = channel();
    const results = [null, 'ok', { ok: false, error: { code: 'NOPE' } }, { ok: true }].map(
      (reply) => {
        const result = ch.request('room.leave', {});
        socket.sent.at(-1)?.ack(reply);
        return result;
      },
    );
    for (const result of results) await expect(result).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('times out with TIMEOUT and ignores a late acknowledgement', async () => {
    jest.useFakeTimers();
    const { socket, channel: ch } = channel(500);
    const result = ch.request('room.leave', {});
    jest.advanceTimersByTime(499);
    let settled = false;
    void result.catch(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    jest.advanceTimersByTime(1);
    await expect(result).rejects.toMatchObject({
      code: 'TIMEOUT',
      details: { method: 'room.leave' },
    });
    expect(() => socket.sent[0]?.ack({ ok: true, data: {} })).not.toThrow();
  });

  it('fails every waiting request at once when the socket disconnects', async () => {
    const { socket, channel: ch } = channel();
    const a = ch.request('room.leave', {});
    const b = ch.request('chat.send', { text: 'x' });
    socket.connected = false;
    socket.fire('disconnect', 'transport close');
    for (const result of [a, b]) {
      const error = await result.catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'NODE_UNAVAILABLE' });
      expect(isConnectionLost(error)).toBe(true);
    }
    const error = await ch.request('room.leave', {}).catch((e: unknown) => e);
    expect(isConnectionLost(error)).toBe(true);
    expect(socket.sent).toHaveLength(2); // nothing is emitted on a disconnected socket
  });

  it('passes server events on and lets go of the socket when closed', () => {
    const { socket, channel: ch } = channel();
    const speakers: unknown[] = [];
    ch.on('speaker.active', (payload) => speakers.push(payload));
    socket.fire('speaker.active', { participantId: 'p', producerId: 'x' });
    ch.close();
    socket.fire('speaker.active', { participantId: 'q', producerId: 'y' });
    expect(speakers).toEqual([{ participantId: 'p', producerId: 'x' }]);
    expect(socket.listenerCount()).toBe(0);
    expect(socket.disconnects).toBe(1);
    expect(ch.connected).toBe(false);
  });

  it('drops the connection through the engine when it can, as a network failure would', () => {
    const { socket, channel: ch } = channel();
    const close = jest.fn();
    Object.assign(socket, { io: { engine: { close } } });
    ch.drop();
    expect(close).toHaveBeenCalled();
    expect(socket.disconnects).toBe(0);
  });
});

describe('unwrapAck', () => {
  it('returns the data of a successful reply', () => {
    expect(unwrapAck('m', { ok: true, data: { a: 1 } })).toEqual({ a: 1 });
  });
});
