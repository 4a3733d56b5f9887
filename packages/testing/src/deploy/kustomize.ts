import { execFileSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, relative, resolve } from 'node:path';

import { parse, parseAllDocuments, stringify } from 'yaml';

import type { PodSpec } from './pod-security';

/** The manifests as `kubectl kustomize` renders them, for the checks in this folder. */
export const REPO = resolve(__dirname, '../../../..');
export const K8S = join(REPO, 'deploy/k8s');

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  data?: Record<string, string>;
  spec?: Record<string, unknown>;
}

/** kubectl on the PATH, if any (kustomize is built in). */
export const kubectl = ((): string | undefined => {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    const candidate = join(dir, 'kubectl');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
})();

/** Renders the kustomization in `dir`. */
export function render(dir: string, { anyFiles = false } = {}): K8sObject[] {
  // The copy made by renderOverlayWith reads patch files from the overlay's folder.
  const args = anyFiles ? ['--load-restrictor', 'LoadRestrictionsNone'] : [];
  const yaml = execFileSync(kubectl!, ['kustomize', dir, ...args], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  return parseAllDocuments(yaml)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

/** Renders an overlay (deploy/k8s/overlays/<name>). */
export const renderOverlay = (overlay: string): K8sObject[] =>
  render(join(K8S, 'overlays', overlay));

/**
 * Renders an overlay with more components, as an operator who adds them to the overlay's
 * `components:` gets it: a copy of its kustomization in a temporary folder, its paths made to
 * point back at the repository.
 */
export function renderOverlayWith(overlay: string, components: string[]): K8sObject[] {
  const source = join(K8S, 'overlays', overlay);
  const temp = mkdtempSync(join(tmpdir(), 'cascade-kustomize-'));
  try {
    // Relative paths only: kustomize refuses an absolute path to a component or resource.
    const back = (path: string) =>
      /^[a-z]+:\/\//.test(path) ? path : relative(temp, resolve(source, path));
    const k = parse(readFileSync(join(source, 'kustomization.yaml'), 'utf8')) as {
      resources?: string[];
      components?: string[];
      patches?: Array<{ path?: string }>;
    };
    k.resources = (k.resources ?? []).map(back);
    k.components = [
      ...(k.components ?? []),
      ...components.map((c) => join(K8S, 'components', c)),
    ].map(back);
    k.patches = (k.patches ?? []).map((p) => (p.path ? { ...p, path: back(p.path) } : p));
    writeFileSync(join(temp, 'kustomization.yaml'), stringify(k));
    return render(temp, { anyFiles: true });
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

export const WORKLOADS = new Set([
  'Deployment',
  'DaemonSet',
  'StatefulSet',
  'Job',
  'CronJob',
  'Pod',
]);

export function podSpec(o: K8sObject): PodSpec {
  if (o.kind === 'Pod') return o.spec as unknown as PodSpec;
  if (o.kind === 'CronJob') {
    const job = (o.spec as { jobTemplate: { spec: { template: { spec: PodSpec } } } }).jobTemplate;
    return job.spec.template.spec;
  }
  return (o.spec as { template: { spec: PodSpec } }).template.spec;
}

export const id = (o: K8sObject) => `${o.kind} ${o.metadata.namespace ?? '-'}/${o.metadata.name}`;
