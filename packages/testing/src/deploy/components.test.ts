import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  type K8sObject,
  K8S,
  REPO,
  WORKLOADS,
  id,
  kubectl,
  podSpec,
  renderOverlay,
  renderOverlayWith,
} from './kustomize';
import { NATS_USERS_CONF, natsPasswordVariables, natsUsers } from './nats-users';
import { policyViolations } from './policy';
import { restrictedViolations } from './pod-security';
import { definedMetrics, metricsIn } from './prometheus-metrics';
import { schemaViolations } from './schemas';

/**
 * The optional kustomize components, rendered in the overlays that use them: the data services
 * of overlays/trial, and autoscaling and monitoring added to overlays/production as an operator
 * adds it. Skipped, with a notice, where no kubectl is installed (as manifests.test.ts).
 */
const describeWithKubectl = kubectl ? describe : describe.skip;

const find = (objects: K8sObject[], kind: string, name: string, namespace?: string) =>
  objects.find(
    (o) =>
      o.kind === kind &&
      o.metadata.name === name &&
      (namespace === undefined || o.metadata.namespace === namespace),
  );

const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

const podLabels = (o: K8sObject) =>
  (o.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata
    .labels;

describeWithKubectl('the data services component (overlays/trial)', () => {
  let objects: K8sObject[];
  beforeAll(() => {
    objects = renderOverlay('trial');
  });
  const dataServices = () =>
    objects.filter(
      (o) =>
        WORKLOADS.has(o.kind) &&
        o.metadata.labels?.['app.kubernetes.io/component'] === 'data-service',
    );

  it('runs one PostgreSQL, Redis and NATS each, in namespace cascade, by pinned images', () => {
    expect(dataServices().map(id).sort()).toEqual([
      'StatefulSet cascade/nats',
      'StatefulSet cascade/postgres',
      'StatefulSet cascade/redis',
    ]);
    for (const o of dataServices()) {
      expect((o.spec as { replicas: number }).replicas).toBe(1);
      const images = podSpec(o).containers.map((c) => (c as unknown as { image: string }).image);
      for (const image of images)
        expect(image).toMatch(/^(postgres|redis|nats):\d+\.\d+(\.\d+)?-alpine$/);
    }
  });

  it('meets the restricted profile with a read-only root filesystem, resources and probes', () => {
    const problems = dataServices().flatMap((o) => [
      ...restrictedViolations(podSpec(o)).map((p) => `${id(o)}: ${p}`),
      ...policyViolations(o),
    ]);
    expect(problems).toEqual([]);
  });

  it('answers at the host names the Secret URLs use, behind the NetworkPolicies meant for them', () => {
    for (const [service, port, policy] of [
      ['postgres', 5432, 'allow-cascade-to-postgres'],
      ['redis', 6379, 'allow-cascade-to-redis'],
      ['nats', 4222, 'allow-cascade-to-nats'],
    ] as const) {
      const svc = find(objects, 'Service', service, 'cascade');
      const spec = svc?.spec as {
        selector: Record<string, string>;
        ports: Array<{ port: number }>;
      };
      expect({ service, ports: spec.ports.map((p) => p.port) }).toEqual({ service, ports: [port] });
      const workload = find(objects, 'StatefulSet', service, 'cascade')!;
      expect(matches(spec.selector, podLabels(workload))).toBe(true);
      const allow = find(objects, 'NetworkPolicy', policy, 'cascade');
      const podSelector = (allow?.spec as { podSelector: { matchLabels: Record<string, string> } })
        .podSelector.matchLabels;
      expect({ policy, admitsThePod: matches(podSelector, podLabels(workload)) }).toEqual({
        policy,
        admitsThePod: true,
      });
    }
  });

  it('turns JetStream on, and creates the databases with the same script as compose', () => {
    const nats = podSpec(find(objects, 'StatefulSet', 'nats')!).containers[0] as unknown as {
      args: string[];
    };
    expect(nats.args).toContain('--jetstream');
    expect(
      readFileSync(join(K8S, 'components/data-services/10-cascade-databases.sh'), 'utf8'),
    ).toBe(readFileSync(join(REPO, 'deploy/postgres/init/10-cascade-databases.sh'), 'utf8'));
    const init = objects.find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('postgres-init'),
    );
    expect(Object.keys(init?.data ?? {})).toEqual(['10-cascade-databases.sh']);
  });

  it('runs NATS with the per-service users of deploy/nats, their passwords from Secrets', () => {
    const pod = podSpec(find(objects, 'StatefulSet', 'nats')!) as unknown as {
      containers: Array<{
        args: string[];
        env?: Array<{ name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
        volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
      }>;
      volumes: Array<{ name: string; configMap?: { name: string } }>;
    };
    const [nats] = pod.containers;
    // The configuration file NATS is started with, from the ConfigMap mounted where it points.
    const configArg = nats!.args.find((a) => a.startsWith('--config='));
    expect(configArg).toBeDefined();
    const configPath = configArg!.slice('--config='.length);
    const mount = nats!.volumeMounts.find((m) => configPath.startsWith(`${m.mountPath}/`));
    expect(mount?.readOnly).toBe(true);
    const configMapName = pod.volumes.find((v) => v.name === mount!.name)?.configMap?.name;
    const configMap = objects.find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name === configMapName,
    );
    const files = configMap?.data ?? {};
    const main = files[configPath.slice(mount!.mountPath.length + 1)];
    // It includes the users file, which is the one in deploy/nats (generated from the table).
    expect(main).toMatch(/^include\s+"?cascade-users\.conf"?\s*$/m);
    expect(files['cascade-users.conf']).toBe(readFileSync(NATS_USERS_CONF, 'utf8'));
    expect(main).toBe(readFileSync(join(REPO, 'deploy/nats/nats-server.conf'), 'utf8'));
    for (const file of ['nats-server.conf', 'cascade-users.conf'])
      expect(readFileSync(join(K8S, 'components/data-services', file), 'utf8')).toBe(
        readFileSync(join(REPO, 'deploy/nats', file), 'utf8'),
      );
    // Every user's password variable, each from a Secret.
    const variables = natsPasswordVariables();
    expect(Object.keys(variables).sort()).toEqual(natsUsers().sort());
    const env = new Map((nats!.env ?? []).map((e) => [e.name, e.valueFrom?.secretKeyRef]));
    for (const variable of Object.values(variables))
      expect({ variable, secret: env.get(variable) }).toEqual({
        variable,
        secret: { name: expect.any(String), key: expect.any(String) },
      });
    // The services of namespace cascade: the server reads each one's password from the very
    // key the service reads it from (one value, nothing to keep in step).
    const services = objects.filter(
      (o) => o.kind === 'Deployment' && o.metadata.namespace === 'cascade',
    );
    const wiring = services.flatMap((o) => {
      const envOf = (podSpec(o).containers[0] as { env?: Array<Record<string, unknown>> }).env;
      const get = (name: string) =>
        envOf?.find((e) => e['name'] === name) as
          { value?: string; valueFrom?: { secretKeyRef?: unknown } } | undefined;
      const user = get('NATS_USER')?.value;
      if (user === undefined) return [];
      return [
        {
          user,
          server: env.get(variables[user]!),
          service: get('NATS_PASSWORD')?.valueFrom?.secretKeyRef,
        },
      ];
    });
    expect(wiring.map((w) => w.user).sort()).toEqual([
      'gateway',
      'identity',
      'rooms',
      'sfu-orchestrator',
    ]);
    for (const w of wiring)
      expect({ user: w.user, key: w.server }).toEqual({ user: w.user, key: w.service });
  });
});

describeWithKubectl('the autoscaling component (added to overlays/production)', () => {
  let objects: K8sObject[];
  let plain: K8sObject[];
  let metrics: Set<string>;
  beforeAll(() => {
    objects = renderOverlayWith('production', ['autoscaling']);
    plain = renderOverlay('production');
    metrics = definedMetrics(REPO);
  });

  it('validates every object, the KEDA and Prometheus Operator ones too, and keeps the policy', () => {
    expect(
      objects.filter((o) => o.kind === 'ScaledObject' || o.kind === 'ServiceMonitor').length,
    ).toBe(6);
    expect(schemaViolations(objects)).toEqual([]);
    expect(objects.flatMap(policyViolations)).toEqual([]);
  });

  it('scales the gateways on CPU and on their sockets, a metric the gateway exports', () => {
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'gateway', 'cascade');
    const specMetrics = (hpa?.spec as { metrics: Array<Record<string, unknown>> }).metrics;
    expect(specMetrics).toEqual([
      expect.objectContaining({
        type: 'Resource',
        resource: expect.objectContaining({ name: 'cpu' }),
      }),
      {
        type: 'Pods',
        pods: {
          metric: { name: 'gateway_sockets' },
          target: { type: 'AverageValue', averageValue: expect.any(String) },
        },
      },
    ]);
    expect(metrics.has('gateway_sockets')).toBe(true);
  });

  it('runs the sfu-nodes as a Deployment, one per media node, with the DaemonSet’s pod', () => {
    expect(objects.filter((o) => o.kind === 'DaemonSet')).toEqual([]);
    const deployment = find(objects, 'Deployment', 'sfu-node', 'cascade-media')!;
    const daemonSet = find(plain, 'DaemonSet', 'sfu-node', 'cascade-media')!;
    expect(deployment).toBeDefined();
    const { affinity, ...pod } = podSpec(deployment) as unknown as Record<string, unknown>;
    expect(pod).toEqual(podSpec(daemonSet));
    expect(podLabels(deployment)).toEqual(podLabels(daemonSet));
    expect(affinity).toEqual({
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          {
            topologyKey: 'kubernetes.io/hostname',
            labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'sfu-node' } },
          },
        ],
      },
    });
    expect((deployment.spec as { replicas?: number }).replicas).toBeUndefined(); // KEDA's
    expect(restrictedViolations(podSpec(deployment))).toEqual(['hostNetwork']);
  });

  it('scales the sfu-nodes up on the orchestrator’s free capacity, and never down', () => {
    const scaled = find(objects, 'ScaledObject', 'sfu-node', 'cascade-media');
    const spec = scaled?.spec as {
      scaleTargetRef: { kind: string; name: string };
      minReplicaCount: number;
      advanced: {
        horizontalPodAutoscalerConfig: { behavior: { scaleDown: { selectPolicy: string } } };
      };
      triggers: Array<{
        type: string;
        metricType: string;
        metadata: { query: string; threshold: string };
      }>;
    };
    expect(spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'sfu-node' });
    expect(spec.minReplicaCount).toBeGreaterThanOrEqual(1);
    expect(spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.selectPolicy).toBe(
      'Disabled',
    );
    expect(spec.triggers).toHaveLength(1);
    const [trigger] = spec.triggers;
    expect(trigger).toMatchObject({ type: 'prometheus', metricType: 'AverageValue' });
    const read = metricsIn(trigger!.metadata.query);
    expect(read).toContain('orchestrator_capacity_free_nodes');
    expect(read.filter((m) => !metrics.has(m))).toEqual([]);
  });

  it('has a ServiceMonitor for every service with metrics, on a port the Service has', () => {
    const monitors = objects.filter((o) => o.kind === 'ServiceMonitor');
    const monitored = ['gateway', 'identity', 'rooms', 'sfu-orchestrator', 'sfu-node'];
    expect(monitors.map((m) => m.metadata.name).sort()).toEqual([...monitored].sort());
    for (const monitor of monitors) {
      const spec = monitor.spec as {
        selector: { matchLabels: Record<string, string> };
        endpoints: Array<{ port: string; path: string }>;
      };
      const services = objects.filter(
        (o) =>
          o.kind === 'Service' &&
          o.metadata.namespace === monitor.metadata.namespace &&
          matches(spec.selector.matchLabels, o.metadata.labels),
      );
      expect({ monitor: monitor.metadata.name, services: services.length }).toEqual({
        monitor: monitor.metadata.name,
        services: 1,
      });
      const ports = (services[0]!.spec as { ports: Array<{ name: string }> }).ports.map(
        (p) => p.name,
      );
      for (const endpoint of spec.endpoints) {
        expect(ports).toContain(endpoint.port);
        expect(endpoint.path).toBe('/metrics');
      }
      // The Service's pods are the workload's.
      const selector = (services[0]!.spec as { selector: Record<string, string> }).selector;
      const workloads = objects.filter(
        (o) => WORKLOADS.has(o.kind) && matches(selector, podLabels(o)),
      );
      expect(workloads.map((w) => w.metadata.name)).toEqual([monitor.metadata.name]);
    }
  });
});
