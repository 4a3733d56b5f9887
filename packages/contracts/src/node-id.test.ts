import { NodeId } from './ids';
import { NODE_ID_MAX_LENGTH, deriveNodeId } from './node-id';
import { createSubjects } from './subjects';

describe('deriveNodeId', () => {
  it.each(['n1', 'sfu-node-1', 'Sfu-A', 'media_7', 'a'.repeat(NODE_ID_MAX_LENGTH)])(
    'keeps %j, already a valid node id, as it is',
    (name) => {
      expect(deriveNodeId(name)).toBe(name);
    },
  );

  it.each([
    ['ip-10-0-0-1.eu-west-1.compute.internal', 'ip-10-0-0-1_eu-west-1_compute_internal'],
    ['gke-prod-media-pool-3f2a9c1b-x7k2.c.my-project.internal', null],
    ['aks-media-12345678-vmss000000', 'aks-media-12345678-vmss000000'],
    ['worker-1.k8s.local', 'worker-1_k8s_local'],
    ['Johns-MacBook-Pro.local', 'Johns-MacBook-Pro_local'],
    ['IP-10-0-0-1.EU-WEST-1.COMPUTE.INTERNAL', 'IP-10-0-0-1_EU-WEST-1_COMPUTE_INTERNAL'],
    ['media node #2', 'media-node--2'],
    ['fe80::1', 'fe80--1'],
  ])('turns the node name %j into a valid id', (name, expected) => {
    const id = deriveNodeId(name);
    expect(NodeId.safeParse(id).success).toBe(true);
    if (expected !== null) expect(id).toBe(expected);
  });

  it('gives every realistic node name an id that NATS subjects accept', () => {
    const subjects = createSubjects('cascade');
    const id = deriveNodeId('ip-10-0-0-1.eu-west-1.compute.internal');
    expect(subjects.sfuNodeControl(id)).toBe(
      'cascade.sfu.node.ip-10-0-0-1_eu-west-1_compute_internal.control',
    );
    expect(subjects.sfuHeartbeat(id).split('.')).toHaveLength(4);
  });

  it('shortens a name beyond the limit to exactly the limit, ending with a hash of the whole', () => {
    const name = `ip-10-0-0-1.${'very-long-availability-zone-'.repeat(4)}compute.internal`;
    const id = deriveNodeId(name);
    expect(id).toHaveLength(NODE_ID_MAX_LENGTH);
    expect(NodeId.safeParse(id).success).toBe(true);
    expect(id).toMatch(/^ip-10-0-0-1_very-long-availability-zone-.*-[0-9a-f]{8}$/);
  });

  it('keeps two long names that share their first 64 characters apart', () => {
    const prefix = 'x'.repeat(80);
    const a = deriveNodeId(`${prefix}.zone-a.internal`);
    const b = deriveNodeId(`${prefix}.zone-b.internal`);
    expect(a).not.toBe(b);
    expect(a.slice(0, 55)).toBe(b.slice(0, 55));
  });

  it('gives the same name the same id every time, and derives an id to itself', () => {
    const names = [
      'ip-10-0-0-1.eu-west-1.compute.internal',
      `${'node-'.repeat(20)}.example.internal`,
      'Johns-MacBook-Pro.local',
    ];
    for (const name of names) {
      const id = deriveNodeId(name);
      expect(deriveNodeId(name)).toBe(id);
      expect(deriveNodeId(id)).toBe(id);
    }
  });

  it('keeps names that differ only by a dot or a dash apart (Kubernetes names have no "_")', () => {
    expect(deriveNodeId('worker-1.zone-a')).not.toBe(deriveNodeId('worker-1-zone-a'));
  });

  it('adds the pod name when several sfu-nodes share one host', () => {
    const node = 'ip-10-0-0-1.eu-west-1.compute.internal';
    const a = deriveNodeId(node, 'sfu-node-x7k2p');
    const b = deriveNodeId(node, 'sfu-node-9fz4q');
    expect(a).toBe('ip-10-0-0-1_eu-west-1_compute_internal_sfu-node-x7k2p');
    expect(a).not.toBe(b);
    expect(deriveNodeId('n1', 'sfu-node-0')).toBe('n1_sfu-node-0');
  });

  it('treats a blank pod name as none', () => {
    expect(deriveNodeId('worker-1.k8s.local', '')).toBe(deriveNodeId('worker-1.k8s.local'));
    expect(deriveNodeId('worker-1.k8s.local', '  ')).toBe(deriveNodeId('worker-1.k8s.local'));
  });

  it('shortens a long node name with a pod name and still tells pods apart', () => {
    const node = `${'media-'.repeat(10)}.eu-west-1.compute.internal`;
    const a = deriveNodeId(node, 'sfu-node-x7k2p');
    const b = deriveNodeId(node, 'sfu-node-9fz4q');
    expect(a).toHaveLength(NODE_ID_MAX_LENGTH);
    expect(a).not.toBe(b);
  });

  it.each(['', '   '])('refuses the empty node name %j', (name) => {
    expect(() => deriveNodeId(name)).toThrow(/non-empty node name/);
  });
});
