import { CascadeError, createSubjects, wireJson } from '@cascade/contracts';
import { type NatsConnection } from '@nats-io/transport-node';

import { RoomDispatcher } from './room-dispatcher';
import type { RoomCoordinator } from './room-coordinator';
import type { RoomLeases } from './room-leases';
import type { RoomStore } from './room-store';

const json = wireJson;

/** A dispatcher on a replica that does not lead the room: everything goes to `answer`. */
function follower(answer: unknown) {
  const sent: Array<{ subject: string; body: unknown }> = [];
  const nc = {
    request: async (subject: string, data: Uint8Array) => {
      sent.push({ subject, body: json.decode(data) });
      return { data: json.encode(answer) };
    },
  } as unknown as NatsConnection;
  const leases = { instanceId: 'me', claim: async () => 'leader' } as unknown as RoomLeases;
  const dispatcher = new RoomDispatcher(
    {} as RoomStore,
    leases,
    {} as RoomCoordinator,
    () => nc,
    createSubjects('test'),
    1_000,
  );
  return { dispatcher, sent };
}

describe('RoomDispatcher, forwarding to the leader', () => {
  it('takes the answer of work that answers nothing (a room event), and passes data through', async () => {
    const event = {
      work: 'room-event',
      event: {
        type: 'producer.closed',
        producerId: 'pr1',
        reason: 'closed',
        participantId: 'p1',
        tenantId: 'acme',
        roomId: 'standup',
        nodeId: 'n1',
        at: 1_700_000_000_000,
      },
    } as const;
    const quiet = follower({ ok: true });
    await expect(quiet.dispatcher.run('acme', 'standup', event)).resolves.toBeUndefined();
    expect(quiet.sent).toEqual([
      {
        subject: createSubjects('test').orchestratorInstance('leader'),
        body: { tenantId: 'acme', roomId: 'standup', item: event },
      },
    ]);
    const talkative = follower({ ok: true, data: { nodeId: 'n1' } });
    await expect(talkative.dispatcher.run('acme', 'standup', event)).resolves.toEqual({
      nodeId: 'n1',
    });
  });

  it("throws the leader's typed error, and refuses an answer that is no reply", async () => {
    const refused = follower({ ok: false, error: { code: 'NOT_FOUND', message: 'gone' } });
    await expect(
      refused.dispatcher.run('acme', 'standup', { work: 'sweep' }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const garbage = follower({ hello: 'world' });
    await expect(
      garbage.dispatcher.run('acme', 'standup', { work: 'sweep' }),
    ).rejects.toBeInstanceOf(CascadeError);
  });
});

describe('RoomDispatcher, work forwarded to it', () => {
  it('refuses a malformed room event as INVALID_ARGUMENT before anything is claimed or done', async () => {
    let claims = 0;
    const leases = {
      instanceId: 'me',
      claim: async () => {
        claims += 1;
        return 'me';
      },
    } as unknown as RoomLeases;
    const dispatcher = new RoomDispatcher(
      {} as RoomStore,
      leases,
      {} as RoomCoordinator,
      () => ({}) as NatsConnection,
      createSubjects('test'),
      1_000,
    );
    const body = {
      tenantId: 'acme',
      roomId: 'standup',
      item: { work: 'room-event', event: { type: 'producer.closed', producerId: 'pr1' } },
    };
    await expect(dispatcher.forwarded(body)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    expect(claims).toBe(0);
  });
});
