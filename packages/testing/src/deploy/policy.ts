import { type K8sObject, WORKLOADS, podSpec } from './kustomize';

/**
 * Cascade's deployment policy, over one rendered object: every image pinned (a tag other than
 * `latest`, or a digest), CPU and memory requests and a memory limit on every container, and
 * readiness and liveness probes on every long-running container. Answers what is broken.
 */
export function policyViolations(o: K8sObject): string[] {
  if (!WORKLOADS.has(o.kind)) return [];
  const at = `${o.kind} ${o.metadata.namespace ?? '-'}/${o.metadata.name}`;
  const pod = podSpec(o) as unknown as {
    containers: Container[];
    initContainers?: Container[];
  };
  const problems: string[] = [];
  const servers = o.kind === 'Deployment' || o.kind === 'StatefulSet' || o.kind === 'DaemonSet';
  for (const [c, init] of [
    ...(pod.initContainers ?? []).map((c) => [c, true] as const),
    ...pod.containers.map((c) => [c, false] as const),
  ]) {
    const where = `${at} container ${c.name}`;
    const image = imageVersion(c.image);
    if (image !== 'pinned') problems.push(`${where}: image ${c.image} is ${image}`);
    if (!c.resources?.requests?.cpu) problems.push(`${where}: no CPU request`);
    if (!c.resources?.requests?.memory) problems.push(`${where}: no memory request`);
    if (!c.resources?.limits?.memory) problems.push(`${where}: no memory limit`);
    if (servers && !init) {
      if (!c.readinessProbe) problems.push(`${where}: no readiness probe`);
      if (!c.livenessProbe) problems.push(`${where}: no liveness probe`);
    }
  }
  return problems;
}

interface Container {
  name: string;
  image?: string;
  resources?: {
    requests?: { cpu?: string | number; memory?: string | number };
    limits?: { memory?: string | number };
  };
  readinessProbe?: unknown;
  livenessProbe?: unknown;
}

/** `pinned`, or what is wrong with the image reference. */
export function imageVersion(image: string | undefined): string {
  if (!image) return 'missing';
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return 'pinned';
  const lastPart = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastPart.lastIndexOf(':');
  if (colon < 0) return 'untagged (latest)';
  const tag = lastPart.slice(colon + 1);
  return tag === 'latest' ? 'tagged latest' : 'pinned';
}
