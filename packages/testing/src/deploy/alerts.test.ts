import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parse } from 'yaml';

import { type K8sObject, REPO, kubectl, renderOverlayWith } from './kustomize';
import { definedMetrics, metricsIn } from './prometheus-metrics';
import { schemaViolations } from './schemas';

/**
 * The alerting rules (deploy/prometheus/cascade-alerts.yml, and the same groups as a
 * PrometheusRule in components/alerts): what an operator is paged for, each rule reading only
 * metrics the services export. promtool is not available here: the rules are parsed, their
 * expressions' metric names checked against the services' sources, and the PrometheusRule
 * validated against the Prometheus Operator's CRD schema.
 */
interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface Group {
  name: string;
  rules: Rule[];
}

const plain = parse(readFileSync(join(REPO, 'deploy/prometheus/cascade-alerts.yml'), 'utf8')) as {
  groups: Group[];
};
const rules = plain.groups.flatMap((g) => g.rules);
const alert = (name: string) => rules.find((r) => r.alert === name);

describe('the alerting rules', () => {
  it('page for what stops calls, and warn before it', () => {
    const severity = (name: string) => alert(name)?.labels?.['severity'];
    // No ready sfu-nodes, the orchestrator gone (no room leader), joins failing, data services
    // unreachable: critical. Errors, capacity, lost nodes: warnings.
    for (const name of [
      'CascadeNoServingSfuNodes',
      'CascadeOrchestratorDown',
      'CascadeJoinErrors',
      'CascadeDependencyUnreachable',
    ])
      expect({ name, severity: severity(name) }).toEqual({ name, severity: 'critical' });
    for (const name of [
      'CascadeOrchestratorWithoutStandby',
      'CascadeSignalingErrors',
      'CascadeHttp5xx',
      'CascadeSfuNodeNearCapacity',
      'CascadeSfuCapacityLow',
      'CascadeSfuNodesLost',
      'CascadeCheckFailing',
    ])
      expect({ name, severity: severity(name) }).toEqual({ name, severity: 'warning' });
    expect(alert('CascadeDependencyUnreachable')?.expr).toMatch(/nats\|redis\|postgres/);
  });

  it('are well formed: unique names, an expression, a duration, a summary and a description', () => {
    const names = rules.map((r) => r.alert);
    expect(new Set(names).size).toBe(names.length);
    for (const r of rules) {
      expect({ alert: r.alert, ok: typeof r.alert === 'string' && r.record === undefined }).toEqual(
        { alert: r.alert, ok: true },
      );
      expect(r.expr.trim().length).toBeGreaterThan(0);
      if (r.for !== undefined) expect(r.for).toMatch(/^\d+[smh]$/);
      expect(r.annotations?.['summary']).toBeTruthy();
      expect(r.annotations?.['description']).toBeTruthy();
      // Parentheses balance: the cheapest syntax check of PromQL without promtool.
      let depth = 0;
      for (const c of r.expr.replace(/"(?:[^"\\]|\\.)*"/g, '""')) {
        depth += c === '(' ? 1 : c === ')' ? -1 : 0;
        expect(depth).toBeGreaterThanOrEqual(0);
      }
      expect({ alert: r.alert, depth }).toEqual({ alert: r.alert, depth: 0 });
    }
  });

  it('read only metrics that the services define', () => {
    const defined = definedMetrics(REPO);
    const unknown = rules.flatMap((r) =>
      metricsIn(r.expr)
        .filter((m) => m !== 'vector' && !defined.has(m))
        .map((m) => `${r.alert}: ${m}`),
    );
    expect(unknown).toEqual([]);
    // and the check is not vacuous: every rule reads at least one metric
    for (const r of rules)
      expect({ alert: r.alert, n: metricsIn(r.expr).length > 0 }).toEqual({
        alert: r.alert,
        n: true,
      });
  });

  it('tell whether orchestrator replicas run from a series each replica always exports', () => {
    // A labelled gauge whose collect() makes one series per known SFU node (orchestrator_nodes)
    // has no series while a replica knows no node: absent() would page "orchestrator down".
    const orchestrator = [
      'services/sfu-orchestrator/src/orchestrator.module.ts',
      'services/sfu-orchestrator/src/registry/capacity-metrics.ts',
    ];
    const sources = orchestrator.map((f) => readFileSync(join(REPO, f), 'utf8')).join('\n');
    for (const name of ['CascadeOrchestratorDown', 'CascadeOrchestratorWithoutStandby']) {
      const read = metricsIn(alert(name)?.expr ?? '');
      expect({ name, read: read.length }).toEqual({ name, read: 1 });
      const definition = sources.match(
        new RegExp(`new Gauge\\(\\{\\s*name: '${read[0]}',[\\s\\S]*?\\n\\s*\\}\\);`),
      )?.[0];
      expect({ name, metric: read[0], defined: definition !== undefined }).toEqual({
        name,
        metric: read[0],
        defined: true,
      });
      // No labels, and a value set on every scrape: one series per replica, always.
      expect({ name, labelled: /labelNames/.test(definition!) }).toEqual({ name, labelled: false });
      expect({ name, setsEveryScrape: /collect\(\)[\s\S]*this\.set\(/.test(definition!) }).toEqual({
        name,
        setsEveryScrape: true,
      });
    }
  });

  it('use the labels the metrics have', () => {
    // orchestrator_nodes{state}, gateway_requests_total{method,outcome}, dependency_up{dependency}
    expect(alert('CascadeNoServingSfuNodes')?.expr).toContain('state="serving"');
    expect(alert('CascadeJoinErrors')?.expr).toContain('method="room.join"');
    const outcomes = [...(alert('CascadeJoinErrors')?.expr ?? '').matchAll(/outcome=~"([^"]+)"/g)]
      .flatMap((m) => m[1]!.split('|'))
      .sort();
    const errors = readFileSync(join(REPO, 'packages/contracts/src/errors.ts'), 'utf8');
    for (const code of outcomes) expect(errors).toContain(`'${code}'`);
  });
});

const describeWithKubectl = kubectl ? describe : describe.skip;

describeWithKubectl('the alerts component (added to overlays/production)', () => {
  let objects: K8sObject[];
  beforeAll(() => {
    objects = renderOverlayWith('production', ['autoscaling', 'alerts']);
  });

  it('is one PrometheusRule with the rules file’s groups, valid by the operator’s schema', () => {
    const found = objects.filter((o) => o.kind === 'PrometheusRule');
    expect(found.map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'cascade/cascade',
    ]);
    expect(schemaViolations(found)).toEqual([]);
    expect((found[0]!.spec as { groups: Group[] }).groups).toEqual(plain.groups);
  });
});
