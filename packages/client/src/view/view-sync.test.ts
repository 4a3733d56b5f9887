import { CascadeError, type ClientView, type SetViewResult } from '@cascade/contracts';

import { silentLogger } from '../logger';
import { noAnswer } from '../signaling/signaling-channel';
import { tick, useFakeClients } from '../../test/support/client-harness';
import { fakeTrack, until } from '../../test/support/fake-gateway';
import { ViewSync } from './view-sync';

/** A server that answers each `room.setView` when the test says so. */
function fakeServer() {
  const sent: ClientView[] = [];
  const pending: Array<{ resolve(r: SetViewResult): void; reject(e: unknown): void }> = [];
  const sync = new ViewSync({
    send: (view) => {
      sent.push(view);
      return new Promise((resolve, reject) => pending.push({ resolve, reject }));
    },
    logger: silentLogger,
  });
  const answer = async (result: SetViewResult | Error = { flowing: [], paused: 0 }) => {
    const next = pending.shift()!;
    if (result instanceof Error) next.reject(result);
    else next.resolve(result);
    await tick();
  };
  return { sync, sent, answer, pending };
}

const tile = (participantId: string, height = 180) => ({
  participantId,
  width: Math.round((height * 16) / 9),
  height,
});

describe('ViewSync', () => {
  it('refuses what the schema refuses, sending nothing', async () => {
    const { sync, sent } = fakeServer();
    for (const bad of [
      { visible: [], lastN: 0 },
      { visible: [], lastN: 1_000_000 },
      { visible: [tile('a'), tile('a')], lastN: 2 },
      { visible: [{ participantId: 'a', width: -1, height: 10 }], lastN: 2 },
      { visible: Array.from({ length: 101 }, (_, i) => tile(`p${i}`)), lastN: 2 },
      { visible: [], lastN: 2, extra: true },
    ]) {
      await expect(sync.set(bad as ClientView)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
    expect(sent).toEqual([]);
    expect(sync.current).toBeUndefined();
  });

  it('sends one view at a time and then only the latest; every caller gets that answer', async () => {
    const { sync, sent, answer } = fakeServer();
    const first = sync.set({ visible: [tile('a')], lastN: 2 });
    const second = sync.set({ visible: [tile('b')], lastN: 2 });
    const third = sync.set({ visible: [tile('c')], lastN: 3 });
    expect(sent).toHaveLength(1);
    await answer({ flowing: ['a'], paused: 2 });
    await expect(first).resolves.toEqual({ flowing: ['a'], paused: 2 });
    expect(sent.map((v) => v.visible[0]!.participantId)).toEqual(['a', 'c']);
    await answer({ flowing: ['c'], paused: 1 });
    await expect(second).resolves.toEqual({ flowing: ['c'], paused: 1 });
    await expect(third).resolves.toEqual({ flowing: ['c'], paused: 1 });
    expect(sync.current).toEqual({ visible: [tile('c')], lastN: 3 });
  });

  it('keeps the last view the server took when it refuses one, and one lost on the way', async () => {
    const { sync, answer } = fakeServer();
    const taken = sync.set({ visible: [tile('a')], lastN: 2 });
    await answer();
    await taken;
    const refused = expect(sync.set({ visible: [tile('gone')], lastN: 2 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await answer(new CascadeError('NOT_FOUND', 'not in this room'));
    await refused;
    expect(sync.current?.visible[0]?.participantId).toBe('a');

    const lost = expect(sync.set({ visible: [tile('b')], lastN: 2 })).rejects.toMatchObject({
      code: 'NODE_UNAVAILABLE',
    });
    await answer(noAnswer('room.setView', 'disconnected'));
    await lost;
    expect(sync.current?.visible[0]?.participantId).toBe('b');
  });

  it('sends the view again without the participants that are gone, and nothing if none was set', async () => {
    const { sync, sent, answer, pending } = fakeServer();
    sync.resend(new Set(['a']));
    expect(sent).toEqual([]);
    const set = sync.set({ visible: [tile('a'), tile('b')], lastN: 4 });
    await answer();
    await set;
    sync.resend(new Set(['b']));
    expect(sent[1]).toEqual({ visible: [tile('b')], lastN: 4 });
    expect(pending).toHaveLength(1);
    await answer(new CascadeError('INTERNAL', 'boom')); // logged, nobody waits for it
  });
});

describe('CascadeClient.setView', () => {
  const setup = useFakeClients();

  it('sends the view once joined, refuses it before, and sends it again after a resume', async () => {
    const { gateway, client, named } = setup();
    gateway.addProducer('alice', 'video', 'camera');
    gateway.addProducer('bob', 'video', 'camera');
    gateway.answer('room.setView', (_socket, body) => ({
      flowing: (body as ClientView).visible.map((t) => t.participantId),
      paused: 0,
    }));
    await expect(client.setView({ visible: [], lastN: 2 })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    await client.join();
    await client.publishMicrophone(fakeTrack('audio'));
    const view = { visible: [tile('alice', 360)], lastN: 2 };
    await expect(client.setView(view)).resolves.toEqual({ flowing: ['alice'], paused: 0 });
    expect(gateway.requestsOf('room.setView').map((r) => r.payload)).toEqual([view]);
    expect(client.view).toEqual(view);

    client.dropConnection();
    await until(() => named('sessionRestored').length === 1, 'sessionRestored');
    await until(() => gateway.requestsOf('room.setView').length === 2, 'the view sent again');
    expect(gateway.requestsOf('room.setView')[1]!.payload).toEqual(view);
  });
});
