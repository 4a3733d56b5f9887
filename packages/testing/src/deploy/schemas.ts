import { execFileSync } from 'node:child_process';

import { type K8sObject, id } from './kustomize';

/**
 * Validation of rendered objects against their kinds' OpenAPI schemas, offline: the Kubernetes
 * API's own (the `kubernetes-models` package, generated from the API's OpenAPI document), and the
 * CRDs' of Traefik, KEDA and the Prometheus Operator (their `@kubernetes-models/*` packages,
 * generated from the CRDs' schemas). A kind with no schema here is a violation too, so a new kind
 * cannot slip through unchecked.
 *
 * Those packages are ES modules only, which Jest's CommonJS module system cannot load: the
 * validation runs in a plain Node process (one per call), which imports them natively.
 */
const CRD_PACKAGES: Record<string, string> = {
  'traefik.io': '@kubernetes-models/traefik',
  'keda.sh': '@kubernetes-models/keda',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
};

/** The module holding the model of a kind, by the package layout `<package>/<group>/<version>/<Kind>`. */
function modelModule(apiVersion: string, kind: string): string {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  if (group === '') return `kubernetes-models/${version}/${kind}`;
  return `${CRD_PACKAGES[group] ?? 'kubernetes-models'}/${group}/${version}/${kind}`;
}

/** Reads `[{ module, kind, object }]` on stdin; writes one error message (or null) for each. */
const VALIDATOR = `
let input = '';
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const { module, kind, object } of JSON.parse(input)) {
  let Model;
  try {
    Model = (await import(module))[kind];
  } catch {
    Model = undefined;
  }
  if (typeof Model !== 'function') {
    results.push({ missing: true });
    continue;
  }
  try {
    new Model(object).validate();
    results.push({});
  } catch (error) {
    results.push({ error: String(error && error.message ? error.message : error) });
  }
}
process.stdout.write(JSON.stringify(results));
`;

interface Outcome {
  missing?: true;
  error?: string;
}

/** What is wrong with each of `objects` by the schema of its kind (nothing: an empty list). */
export function schemaViolations(objects: readonly K8sObject[]): string[] {
  const requests = objects.map((object) => ({
    module: modelModule(object.apiVersion, object.kind),
    kind: object.kind,
    object,
  }));
  const outcomes = JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '--eval', VALIDATOR], {
      cwd: __dirname, // bare module names resolve from here, as this package's own imports do
      input: JSON.stringify(requests),
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    }),
  ) as Outcome[];
  return objects.flatMap((o, i) => {
    const outcome = outcomes[i]!;
    if (outcome.missing) return [`${id(o)}: no schema for ${o.apiVersion} ${o.kind}`];
    return outcome.error === undefined ? [] : [`${id(o)}: ${outcome.error}`];
  });
}
