import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { type K8sObject, K8S, id, kubectl, podSpec, renderOverlayWith } from './kustomize';
import { policyViolations } from './policy';
import { restrictedViolations } from './pod-security';
import { schemaViolations } from './schemas';

/**
 * components/turn (coturn with time-limited credentials) added to overlays/production, as an
 * operator adds it: valid objects within Cascade's policy, coturn on the media nodes' own network
 * (a DaemonSet in cascade-media) listening on 3478 and 443 with no more privilege than that
 * needs, the gateway and coturn sharing one secret from Secrets, and coturn set for REST
 * credentials only. Skipped, with a notice, where no kubectl is installed (as manifests.test.ts).
 */
const describeWithKubectl = kubectl ? describe : describe.skip;

const find = (objects: K8sObject[], kind: string, name: string, namespace = 'cascade') =>
  objects.find(
    (o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === namespace,
  );
const MEDIA = 'cascade-media';

interface Container {
  args?: string[];
  env?: Array<{
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string } };
  }>;
  ports?: Array<{ containerPort: number; protocol?: string }>;
}

describeWithKubectl('the TURN component (added to overlays/production)', () => {
  let objects: K8sObject[];
  beforeAll(() => {
    objects = renderOverlayWith('production', ['turn']);
  });

  it('validates every object and keeps the policy', () => {
    expect(schemaViolations(objects)).toEqual([]);
    expect(objects.flatMap(policyViolations)).toEqual([]);
  });

  it('runs coturn on the media nodes’ network, with no privilege beyond binding 443', () => {
    const turn = find(objects, 'DaemonSet', 'turn', MEDIA)!;
    expect(turn).toBeDefined();
    const pod = podSpec(turn) as unknown as {
      hostNetwork?: boolean;
      nodeSelector?: Record<string, string>;
    };
    expect(pod.hostNetwork).toBe(true);
    expect(pod.nodeSelector).toEqual({ 'cascade.io/media': 'true' });
    // Beyond `restricted`: host networking, and the escalation that lets the image's file
    // capability (NET_BIND_SERVICE, which `restricted` allows adding) bind 443 as non-root.
    expect(restrictedViolations(podSpec(turn))).toEqual([
      'hostNetwork',
      'container turn: allowPrivilegeEscalation is not false',
    ]);
    const container = podSpec(turn).containers[0] as unknown as {
      securityContext: { capabilities: { add: string[]; drop: string[] } };
    };
    expect(container.securityContext.capabilities).toEqual({
      drop: ['ALL'],
      add: ['NET_BIND_SERVICE'],
    });
    // Nothing of TURN stays in namespace cascade but the gateway's secret.
    expect(objects.filter((o) => o.metadata.name === 'turn').map(id)).toEqual([
      `DaemonSet ${MEDIA}/turn`,
    ]);
  });

  it('gives coturn and the gateway the same secret, from Secrets, never a literal', () => {
    const turn = podSpec(find(objects, 'DaemonSet', 'turn', MEDIA)!)
      .containers[0] as unknown as Container;
    const gateway = podSpec(find(objects, 'Deployment', 'gateway')!)
      .containers[0] as unknown as Container;
    const secretOf = (c: Container, name: string) =>
      c.env?.find((e) => e.name === name)?.valueFrom?.secretKeyRef;
    expect(secretOf(turn, 'TURN_SECRET')).toEqual({ name: 'cascade-turn', key: 'secret' });
    expect(secretOf(gateway, 'GATEWAY_TURN_SECRET')).toEqual({
      name: 'cascade-turn',
      key: 'secret',
    });
    expect(turn.args).toContain('--static-auth-secret=$(TURN_SECRET)');
    expect(JSON.stringify(objects)).not.toMatch(/static-auth-secret=(?!\$\(TURN_SECRET\))/);
  });

  it('listens on the node’s 3478 (UDP, TCP) and 443 (TLS), certificate from a Secret', () => {
    const turn = podSpec(find(objects, 'DaemonSet', 'turn', MEDIA)!);
    const container = turn.containers[0] as unknown as Container;
    expect((container.ports ?? []).map((p) => `${p.containerPort}/${p.protocol}`).sort()).toEqual([
      '3478/TCP',
      '3478/UDP',
      '443/TCP',
    ]);
    const conf = readFileSync(join(K8S, 'components/turn/turnserver.conf'), 'utf8');
    expect(conf).toMatch(/^listening-port=3478$/m);
    expect(conf).toMatch(/^tls-listening-port=443$/m);
    expect(conf).toMatch(/^cert=\/etc\/coturn\/tls\/tls\.crt$/m);
    expect((turn as unknown as { volumes: unknown[] }).volumes).toContainEqual({
      name: 'tls',
      secret: { secretName: 'cascade-turn-tls' },
    });
    // Clients reach the nodes' addresses: no load balancer in between.
    expect(objects.filter((o) => o.kind === 'Service' && o.metadata.name === 'turn')).toEqual([]);
  });

  it('configures coturn for REST credentials only, with peers limited to the media nodes', () => {
    const conf = readFileSync(join(K8S, 'components/turn/turnserver.conf'), 'utf8');
    const options = conf.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(options).toEqual(
      expect.arrayContaining(['use-auth-secret', 'no-cli', 'no-tcp-relay', 'no-multicast-peers']),
    );
    // No static users, no loopback peers, and every private range refused unless allowed.
    expect(
      options.filter((o) =>
        /^(user=|lt-cred-mech|allow-loopback-peers|static-auth-secret)/.test(o),
      ),
    ).toEqual([]);
    for (const range of [
      '10.0.0.0-10.255.255.255',
      '172.16.0.0-172.31.255.255',
      '192.168.0.0-192.168.255.255',
    ])
      expect(options).toContain(`denied-peer-ip=${range}`);
    const configMap = objects.find(
      (o) =>
        o.kind === 'ConfigMap' &&
        o.metadata.name.startsWith('turn-config') &&
        o.metadata.namespace === MEDIA,
    );
    expect(configMap?.data?.['turnserver.conf']).toBe(conf);
  });
});
