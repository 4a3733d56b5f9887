import type { ConnectionState } from '../types';
import { ConnectionMachine, type ConnectionEvent } from './connection-machine';

function machine() {
  const changes: ConnectionState[] = [];
  const invalid: string[] = [];
  const m = new ConnectionMachine({
    changed: (state) => changes.push(state),
    invalid: (state, event) => invalid.push(`${event} in ${state}`),
  });
  const run = (...events: ConnectionEvent[]) => events.map((e) => m.send(e));
  return { m, changes, invalid, run };
}

describe('ConnectionMachine', () => {
  it('connects, loses the connection, and comes back', () => {
    const { changes, invalid, run } = machine();
    run('connect', 'connected', 'lost', 'connected');
    expect(changes).toEqual(['connecting', 'connected', 'reconnecting', 'connected']);
    expect(invalid).toEqual([]);
  });

  it('falls back to disconnected when the first connection fails, and may try again', () => {
    const { changes, run } = machine();
    run('connect', 'connectFailed', 'connect');
    expect(changes).toEqual(['connecting', 'disconnected', 'connecting']);
  });

  it('announces a state once: losing the media node while reconnecting stays reconnecting', () => {
    const { changes, run } = machine();
    expect(run('connect', 'connected', 'lost', 'lost')).toEqual([true, true, true, false]);
    expect(changes).toEqual(['connecting', 'connected', 'reconnecting']);
  });

  it('reports an event its state does not take, and stays', () => {
    const { m, changes, invalid, run } = machine();
    run('connectFailed', 'connect', 'connect');
    expect(m.state).toBe('connecting');
    expect(changes).toEqual(['connecting']);
    expect(invalid).toEqual(['connectFailed in disconnected', 'connect in connecting']);
  });

  it("restores the session when the old socket's loss is reported while connect() runs again", () => {
    const { m, changes, invalid, run } = machine();
    run('connect', 'connected', 'connect', 'lost', 'connected');
    expect(m.state).toBe('connected');
    expect(changes).toEqual(['connecting', 'connected', 'connecting', 'reconnecting', 'connected']);
    expect(invalid).toEqual([]);
  });

  it("restores the session when the old socket's loss is reported after connect() failed", async () => {
    const { m, changes, invalid, run } = machine();
    run('connect', 'connected', 'connect', 'connectFailed');
    const waiting = m.untilConnected(() => true);
    run('lost', 'connected');
    await expect(waiting).resolves.toBeUndefined();
    expect(m.state).toBe('connected');
    expect(changes).toEqual([
      'connecting',
      'connected',
      'connecting',
      'disconnected',
      'reconnecting',
      'connected',
    ]);
    expect(invalid).toEqual([]);
  });

  it('takes a restore that reports connected while disconnected', () => {
    const { m, invalid, run } = machine();
    run('connect', 'connected', 'connect', 'connectFailed', 'connected');
    expect(m.state).toBe('connected');
    expect(invalid).toEqual([]);
  });

  it('takes nothing but end once ended', () => {
    const { m, changes, invalid, run } = machine();
    run('connect', 'connected');
    m.end('left');
    run('end', 'lost', 'connected');
    expect(m.state).toBe('disconnected');
    expect(changes).toEqual(['connecting', 'connected', 'disconnected']);
    expect(invalid).toEqual([]);
  });

  it('rejects a caller waiting while disconnected when the client ends', async () => {
    const { m, run } = machine();
    run('connect', 'connected', 'connect', 'connectFailed');
    const waiting = m.untilConnected(() => true);
    m.end('left');
    await expect(waiting).rejects.toMatchObject({ code: 'CONFLICT', message: /done \(left\)/ });
  });

  it('ends once, with the first reason, overtaking the work of every connection', () => {
    const { m, run } = machine();
    run('connect', 'connected');
    const stale = m.staleCheck(m.nextGeneration());
    expect(stale()).toBe(false);
    expect(m.end('left')).toBe(true);
    expect(m.end('failed')).toBe(false);
    expect(m.ended).toBe('left');
    expect(stale()).toBe(true);
    run('end');
    expect(m.state).toBe('disconnected');
  });

  it('marks the work of a connection stale once a newer one begins', () => {
    const { m } = machine();
    const first = m.staleCheck(m.nextGeneration());
    const second = m.staleCheck(m.nextGeneration());
    expect([first(), second()]).toEqual([true, false]);
  });

  it('lets a caller wait for the connection: resolved when it is back, rejected at the end', async () => {
    const { m, run } = machine();
    run('connect', 'connected');
    await expect(m.untilConnected(() => true)).resolves.toBeUndefined();
    run('lost');
    const back = m.untilConnected(() => true);
    run('connected');
    await expect(back).resolves.toBeUndefined();
    run('lost');
    const never = m.untilConnected(() => true);
    m.end('removed');
    run('end');
    await expect(never).rejects.toMatchObject({ code: 'CONFLICT', message: /done \(removed\)/ });
    await expect(m.untilConnected(() => true)).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('waits when connected in name only (the socket went down before its loss was reported)', async () => {
    const { m, run } = machine();
    run('connect', 'connected');
    let settled = false;
    const waiting = m.untilConnected(() => false).then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    run('connect', 'connected');
    await waiting;
    expect(settled).toBe(true);
  });
});
