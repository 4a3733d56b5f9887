import { TypedEmitter } from './typed-emitter';

interface Events {
  ping: number;
  pong: { text: string };
}

class Emitter extends TypedEmitter<Events> {
  readonly failures: unknown[] = [];
  fire<K extends keyof Events>(event: K, payload: Events[K]): boolean {
    return this.emit(event, payload);
  }
  protected override listenerFailed(error: unknown): void {
    this.failures.push(error);
  }
}

describe('TypedEmitter', () => {
  it('calls the listeners of an event with its payload, in the order they were added', () => {
    const emitter = new Emitter();
    const calls: string[] = [];
    emitter.on('ping', (n) => calls.push(`a${n}`)).on('ping', (n) => calls.push(`b${n}`));
    emitter.on('pong', ({ text }) => calls.push(text));
    expect(emitter.fire('ping', 1)).toBe(true);
    emitter.fire('pong', { text: 'x' });
    expect(calls).toEqual(['a1', 'b1', 'x']);
  });

  it('removes a listener with off, and a once listener after its first call', () => {
    const emitter = new Emitter();
    const seen: number[] = [];
    const listener = (n: number) => seen.push(n);
    const onceListener = (n: number) => seen.push(n * 10);
    emitter.on('ping', listener).once('ping', onceListener);
    emitter.fire('ping', 1);
    emitter.fire('ping', 2);
    emitter.off('ping', listener);
    emitter.fire('ping', 3);
    expect(seen).toEqual([1, 10, 2]);
    expect(emitter.fire('ping', 4)).toBe(false);
  });

  it('cancels a once listener with off before it fires', () => {
    const emitter = new Emitter();
    const listener = jest.fn();
    emitter.once('ping', listener).off('ping', listener);
    emitter.fire('ping', 1);
    expect(listener).not.toHaveBeenCalled();
  });

  it('tells onAny listeners every event with its name', () => {
    const emitter = new Emitter();
    const all: Array<[string, unknown]> = [];
    const any = (event: keyof Events, payload: unknown) => all.push([event, payload]);
    emitter.onAny(any);
    emitter.fire('ping', 1);
    emitter.fire('pong', { text: 'y' });
    emitter.offAny(any);
    emitter.fire('ping', 2);
    expect(all).toEqual([
      ['ping', 1],
      ['pong', { text: 'y' }],
    ]);
  });

  it('keeps calling the other listeners when one throws, and reports the error', () => {
    const emitter = new Emitter();
    const after = jest.fn();
    emitter.on('ping', () => {
      throw new Error('boom');
    });
    emitter.on('ping', after);
    emitter.fire('ping', 1);
    expect(after).toHaveBeenCalledWith(1);
    expect(emitter.failures).toEqual([new Error('boom')]);
  });
});
