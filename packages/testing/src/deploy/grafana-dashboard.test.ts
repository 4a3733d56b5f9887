import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { definedMetrics, metricsIn } from './prometheus-metrics';

/**
 * The Grafana dashboard an operator imports (deploy/grafana/cascade.json): the panels they look
 * at first, each reading metrics that the services really export.
 */
const REPO = resolve(__dirname, '../../../..');

interface Panel {
  title: string;
  type: string;
  targets?: Array<{ expr: string }>;
}

const dashboard = JSON.parse(
  readFileSync(resolve(REPO, 'deploy/grafana/cascade.json'), 'utf8'),
) as {
  title: string;
  uid: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string }> };
};
const panels = dashboard.panels.filter((p) => p.type !== 'row');

describe('metricsIn', () => {
  it('reads the metric names of an expression, not its functions, labels or clauses', () => {
    expect(
      metricsIn(
        'histogram_quantile(0.95, sum by (le) (rate(gateway_request_duration_seconds_bucket{method="room.join"}[5m])))',
      ),
    ).toEqual(['gateway_request_duration_seconds']);
    expect(
      metricsIn(
        'max(orchestrator_nodes{state="serving"}) + (1.5 - max(orchestrator_capacity_free_nodes))',
      ),
    ).toEqual(['orchestrator_nodes', 'orchestrator_capacity_free_nodes']);
    expect(metricsIn('count by (service, dependency) (dependency_up == 0)')).toEqual([
      'dependency_up',
    ]);
  });
});

describe('the Grafana dashboard', () => {
  it('has the panels an operator looks at first', () => {
    const titles = panels.map((p) => p.title.toLowerCase());
    for (const topic of [
      'rooms',
      'participants',
      'nodes by state',
      'load',
      'placement',
      'pipes',
      'join latency',
      'errors',
    ]) {
      expect({ topic, found: titles.some((t) => t.includes(topic)) }).toEqual({
        topic,
        found: true,
      });
    }
  });

  it('reads only metrics that the services define', () => {
    const defined = definedMetrics(REPO);
    expect(defined.size).toBeGreaterThan(10);
    const unknown = panels.flatMap((p) =>
      (p.targets ?? []).flatMap((t) =>
        metricsIn(t.expr)
          .filter((m) => !defined.has(m))
          .map((m) => `${p.title}: ${m}`),
      ),
    );
    expect(unknown).toEqual([]);
  });

  it('gives every panel a query, through a Prometheus data source the importer picks', () => {
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: 'datasource', type: 'datasource' }),
    );
    for (const p of panels)
      expect({ panel: p.title, queries: p.targets?.length ?? 0 }).not.toMatchObject({ queries: 0 });
    expect(new Set(panels.map((p) => p.title)).size).toBe(panels.length);
  });
});
