import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { type K8sObject, K8S, id, kubectl, podSpec, renderOverlayWith } from './kustomize';
import { policyViolations } from './policy';
import { restrictedViolations } from './pod-security';
import { schemaViolations } from './schemas';

/**
 * components/turn (coturn with time-limited credentials) added to overlays/production, as an
 * operator adds it: valid objects, within Cascade's policy and the restricted profile, the
 * gateway and coturn sharing one secret from a Secret, and coturn set for REST credentials only.
 * Skipped, with a notice, where no kubectl is installed (as manifests.test.ts).
 */
const describeWithKubectl = kubectl ? describe : describe.skip;

const find = (objects: K8sObject[], kind: string, name: string) =>
  objects.find(
    (o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === 'cascade',
  );

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

  it('validates every object and keeps the policy and the restricted profile', () => {
    expect(schemaViolations(objects)).toEqual([]);
    expect(objects.flatMap(policyViolations)).toEqual([]);
    const turn = find(objects, 'Deployment', 'turn')!;
    expect(restrictedViolations(podSpec(turn)).map((p) => `${id(turn)}: ${p}`)).toEqual([]);
  });

  it('gives coturn and the gateway the same secret, from the Secret, never a literal', () => {
    const turn = podSpec(find(objects, 'Deployment', 'turn')!)
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

  it('publishes TURN on 3478 (UDP, TCP) and TURN/TLS on 443, and nothing else', () => {
    const service = find(objects, 'Service', 'turn')!;
    const spec = service.spec as { type: string; ports: Array<{ port: number; protocol: string }> };
    expect(spec.type).toBe('LoadBalancer');
    expect(spec.ports.map((p) => `${p.port}/${p.protocol}`).sort()).toEqual([
      '3478/TCP',
      '3478/UDP',
      '443/TCP',
    ]);
    const policy = find(objects, 'NetworkPolicy', 'allow-clients-to-turn');
    expect(policy).toBeDefined();
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
      (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('turn-config'),
    );
    expect(configMap?.data?.['turnserver.conf']).toBe(conf);
  });
});
