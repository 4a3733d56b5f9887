import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { NodeId, deriveNodeId } from '@cascade/contracts';

import { type K8sObject, REPO, WORKLOADS, id, kubectl, podSpec, renderOverlay } from './kustomize';
import { natsUsers } from './nats-users';
import { policyViolations } from './policy';
import { restrictedViolations } from './pod-security';
import { schemaViolations } from './schemas';

/**
 * The Kubernetes manifests as an operator applies them: each overlay rendered by
 * `kubectl kustomize`, then checked for what admission and a security review would refuse.
 * Skipped, with a notice, where no kubectl is installed.
 */
const OVERLAYS = ['dev', 'production', 'trial'] as const;
const MAIN_NAMESPACE = 'cascade';
const MEDIA_NAMESPACE = 'cascade-media';
/** Variables that name a connection and may carry its credentials. */
const CONNECTION_URLS = ['NATS_URL', 'REDIS_URL', 'DATABASE_URL'];
/** RFC 5737 documentation ranges: a CIDR here is a placeholder that admits nobody. */
const DOCUMENTATION_RANGES = ['192.0.2.', '198.51.100.', '203.0.113.'];

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: unknown;
    configMapKeyRef?: unknown;
    fieldRef?: { fieldPath: string };
  };
}

const containersOf = (pod: ReturnType<typeof podSpec>) => [
  ...(pod.initContainers ?? []),
  ...pod.containers,
];
const envOf = (pod: ReturnType<typeof podSpec>) =>
  containersOf(pod).flatMap((c) => (c as unknown as { env?: EnvVar[] }).env ?? []);

if (!kubectl) {
  console.warn('kubectl is not installed: the Kubernetes manifest checks are skipped');
}
const describeWithKubectl = kubectl ? describe : describe.skip;

describeWithKubectl.each(OVERLAYS)('the %s overlay', (overlay) => {
  let objects: K8sObject[];
  beforeAll(() => {
    objects = renderOverlay(overlay);
  });
  const workloads = () => objects.filter((o) => WORKLOADS.has(o.kind));
  /** Cascade's own workloads, not the data services of components/data-services. */
  const cascadeWorkloads = () =>
    workloads().filter((o) => o.metadata.labels?.['app.kubernetes.io/part-of'] === 'cascade');

  it('validates every object against the schema of its kind', () => {
    expect(schemaViolations(objects)).toEqual([]);
  });

  it('pins every image, and gives every container resources and every server probes', () => {
    expect(objects.flatMap(policyViolations)).toEqual([]);
  });
  const namespace = (name: string) =>
    objects.find((o) => o.kind === 'Namespace' && o.metadata.name === name);

  it('puts every object in namespace cascade, except the media nodes in cascade-media', () => {
    for (const o of objects) {
      if (o.kind === 'Namespace') continue;
      expect([MAIN_NAMESPACE, MEDIA_NAMESPACE]).toContain(o.metadata.namespace);
    }
    const media = workloads().filter((o) => o.metadata.namespace === MEDIA_NAMESPACE);
    expect(media.map(id)).toEqual([`DaemonSet ${MEDIA_NAMESPACE}/sfu-node`]);
  });

  it('enforces the restricted Pod Security profile in cascade, privileged only for the media nodes', () => {
    expect(namespace(MAIN_NAMESPACE)?.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
    expect(namespace(MEDIA_NAMESPACE)?.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'privileged',
    });
  });

  it('writes every pod outside the media namespace to the restricted profile', () => {
    const main = workloads().filter((o) => o.metadata.namespace !== MEDIA_NAMESPACE);
    expect(main.length).toBeGreaterThanOrEqual(5);
    const problems = main.flatMap((o) =>
      restrictedViolations(podSpec(o)).map((p) => `${id(o)}: ${p}`),
    );
    expect(problems).toEqual([]);
  });

  it('gives the media nodes host networking and nothing else beyond the restricted profile', () => {
    const media = workloads().filter((o) => o.metadata.namespace === MEDIA_NAMESPACE);
    for (const o of media) expect(restrictedViolations(podSpec(o))).toEqual(['hostNetwork']);
  });

  it('keeps connection URLs, which may carry credentials, out of every ConfigMap', () => {
    const configMaps = objects.filter((o) => o.kind === 'ConfigMap');
    expect(configMaps.length).toBeGreaterThan(0);
    for (const cm of configMaps) {
      for (const [key, value] of Object.entries(cm.data ?? {})) {
        expect({
          configMap: cm.metadata.name,
          key,
          isConnection: CONNECTION_URLS.includes(key),
        }).toMatchObject({ isConnection: false });
        // scheme://user[:password]@host
        expect({ configMap: cm.metadata.name, key, value }).not.toMatchObject({
          value: expect.stringMatching(/[a-z][a-z0-9+.-]*:\/\/[^/\s@]+@/i),
        });
      }
    }
  });

  it('reads NATS, Redis and PostgreSQL URLs from Secrets in every workload', () => {
    const fromElsewhere = workloads().flatMap((o) =>
      envOf(podSpec(o))
        .filter((e) => CONNECTION_URLS.includes(e.name) && !e.valueFrom?.secretKeyRef)
        .map((e) => `${id(o)}: ${e.name}`),
    );
    expect(fromElsewhere).toEqual([]);
    const natsUsers = cascadeWorkloads().filter((o) =>
      envOf(podSpec(o)).some((e) => e.name === 'NATS_URL'),
    );
    expect(natsUsers).toHaveLength(cascadeWorkloads().length - 1); // all but the web app
  });

  it('connects every Cascade workload on NATS as its own NATS user, its password from a Secret', () => {
    const users = natsUsers();
    const onNats = cascadeWorkloads().filter((o) =>
      envOf(podSpec(o)).some((e) => e.name === 'NATS_URL'),
    );
    expect(onNats.length).toBeGreaterThanOrEqual(5);
    const wiring = onNats.map((o) => {
      const env = envOf(podSpec(o));
      const get = (name: string) => env.find((e) => e.name === name);
      const ref = (name: string) =>
        get(name)?.valueFrom?.secretKeyRef as { name: string; key: string } | undefined;
      const secret = (name: string) => ref(name)?.name;
      return {
        workload: id(o),
        user: get('NATS_USER')?.value,
        passwordFromSecret: secret('NATS_PASSWORD') !== undefined,
        // The user and password are beside the URL, in the same Secret, not inside the URL.
        sameSecretAsUrl: secret('NATS_PASSWORD') === secret('NATS_URL'),
        ownKey: ref('NATS_PASSWORD')?.key !== ref('NATS_URL')?.key,
        otherWays: env.filter((e) => ['NATS_TOKEN', 'NATS_CREDS'].includes(e.name)).length,
      };
    });
    expect(wiring).toEqual(
      onNats.map((o) => ({
        workload: id(o),
        // The user is the service (its name label), one of deploy/nats/cascade-users.conf.
        user: o.metadata.labels?.['app.kubernetes.io/name'],
        passwordFromSecret: true,
        sameSecretAsUrl: true,
        ownKey: true,
        otherWays: 0,
      })),
    );
    for (const { user } of wiring) expect(users).toContain(user);
  });

  it('admits the host-network media nodes to NATS by a real CIDR, not a placeholder', () => {
    const policy = objects.find(
      (o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'allow-media-nodes-to-nats',
    );
    const ingress = (
      policy?.spec as { ingress: Array<{ from: Array<{ ipBlock?: { cidr: string } }> }> }
    ).ingress;
    const cidrs = ingress.flatMap((rule) => rule.from.flatMap((f) => f.ipBlock?.cidr ?? []));
    expect(cidrs.length).toBeGreaterThan(0);
    for (const cidr of cidrs) {
      expect(cidr).toMatch(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$|^[0-9a-f:]+\/\d{1,3}$/i);
      for (const range of DOCUMENTATION_RANGES) expect(cidr.startsWith(range)).toBe(false);
    }
    // The local setting the CIDR came from is not applied to the cluster.
    expect(objects.find((o) => o.metadata.name === 'media-nodes')).toBeUndefined();
  });

  it('names each SFU node after its Kubernetes node, by the id derivation every tool shares', () => {
    const sfu = workloads().find((o) => o.metadata.name === 'sfu-node')!;
    const env = envOf(podSpec(sfu));
    const nodeId = env.find((e) => e.name === 'SFU_NODE_ID');
    expect(nodeId?.valueFrom?.fieldRef?.fieldPath).toBe('spec.nodeName');
    // One pod per node (DaemonSet): a pod name in the id would change it at every restart.
    if (sfu.kind === 'DaemonSet')
      expect(env.find((e) => e.name === 'SFU_POD_NAME')).toBeUndefined();
    for (const nodeName of [
      'ip-10-0-0-1.eu-west-1.compute.internal',
      'gke-cascade-media-pool-3f2a9c1b-x7k2',
      `${'media-'.repeat(20)}node.example.internal`,
    ]) {
      const derived = deriveNodeId(nodeName);
      expect(NodeId.safeParse(derived).success).toBe(true);
      expect(deriveNodeId(derived)).toBe(derived); // `cascade-admin drain <id>` finds it too
    }
  });
});

describe('docker-compose.yml', () => {
  it('gives its sfu-node an id that needs no derivation', () => {
    const compose = readFileSync(join(REPO, 'docker-compose.yml'), 'utf8');
    const ids = [...compose.matchAll(/^\s*SFU_NODE_ID:\s*['"]?([^'"\s#]+)/gm)].map((m) => m[1]!);
    expect(ids.length).toBeGreaterThan(0);
    for (const nodeId of ids) expect(deriveNodeId(nodeId)).toBe(nodeId);
  });
});
