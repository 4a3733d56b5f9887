import { fakeDtlsParameters, vp8RtpParameters } from '@cascade/testing';
import { codeOf } from './support/outcomes';
import { useSfuCluster } from './support/sfu-nodes';

const room = { tenantId: 'acme', roomId: 'all-hands' };

describe('draining an sfu-node', () => {
  const cluster = useSfuCluster();

  it('on an admin request: refuses new rooms, keeps serving its rooms, and exits 0 once they empty', async () => {
    const node = await cluster.spawn('drain-admin');
    const { client } = node;
    const { transportId } = await client.request('transport.createWebRtc', {
      ...room,
      participantId: 'alice',
      direction: 'send',
    });
    await client.request('transport.connect', {
      ...room,
      participantId: 'alice',
      transportId,
      dtlsParameters: fakeDtlsParameters(),
    });

    expect(await client.admin({ op: 'drain' })).toEqual({
      state: 'draining',
      rooms: 1,
      participants: 1,
    });
    await cluster.waitForEvent(
      'node',
      (e) => e.type === 'node.state' && e.nodeId === node.id && e.state === 'draining',
    );
    await cluster.waitForEvent('heartbeats', (h) => h.nodeId === node.id && h.state === 'draining');

    // No new room…
    expect(
      await codeOf(client.request('router.capabilities', { tenantId: 'acme', roomId: 'new-room' })),
    ).toBe('NODE_UNAVAILABLE');
    // …but the current one goes on: Alice still publishes and Bob still joins it.
    await client.request('producer.create', {
      ...room,
      participantId: 'alice',
      transportId,
      kind: 'video',
      rtpParameters: vp8RtpParameters(),
      source: 'camera',
    });
    await client.request('transport.createWebRtc', {
      ...room,
      participantId: 'bob',
      direction: 'recv',
    });
    expect(node.process.child.exitCode).toBeNull();

    await client.request('participant.remove', { ...room, participantId: 'bob' });
    await client.request('participant.remove', { ...room, participantId: 'alice' });
    expect(await node.process.exited).toEqual({ code: 0, signal: null });
    expect(node.process.output).toContain('drained: no room left; exiting');
  });

  it('undrains on request and takes new rooms again', async () => {
    const node = await cluster.spawn('drain-undo');
    await node.client.request('transport.createWebRtc', {
      ...room,
      participantId: 'alice',
      direction: 'send',
    });
    await node.client.admin({ op: 'drain' });
    expect(
      await codeOf(
        node.client.request('router.capabilities', { tenantId: 'acme', roomId: 'other' }),
      ),
    ).toBe('NODE_UNAVAILABLE');
    expect(await node.client.admin({ op: 'undrain' })).toMatchObject({ state: 'serving' });
    expect(
      await codeOf(
        node.client.request('router.capabilities', { tenantId: 'acme', roomId: 'other' }),
      ),
    ).toBe('OK');
  });

  it('on SIGTERM: keeps its rooms until they empty, then exits 0', async () => {
    const node = await cluster.spawn('drain-sigterm');
    await node.client.request('transport.createWebRtc', {
      ...room,
      participantId: 'alice',
      direction: 'send',
    });

    node.process.child.kill('SIGTERM');
    await cluster.waitForEvent(
      'node',
      (e) => e.type === 'node.state' && e.nodeId === node.id && e.state === 'draining',
    );
    // Still serving the room while it drains.
    await expect(node.client.request('room.dump', room)).resolves.toMatchObject({
      roomId: 'all-hands',
    });
    expect(node.process.child.exitCode).toBeNull();

    await node.client.request('participant.remove', { ...room, participantId: 'alice' });
    expect(await node.process.exited).toEqual({ code: 0, signal: null });
  });

  it('on SIGTERM: exits 0 when the grace period ends even if rooms remain', async () => {
    const node = await cluster.spawn('drain-grace', { SFU_DRAIN_GRACE_MS: '500' });
    await node.client.request('transport.createWebRtc', {
      ...room,
      participantId: 'alice',
      direction: 'send',
    });
    const status = await node.process.signal('SIGTERM');
    expect(status).toMatchObject({ code: 0, signal: null });
  });
});
