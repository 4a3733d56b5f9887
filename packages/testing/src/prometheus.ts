/** One sample of a metric in Prometheus's text format. */
export interface MetricSample {
  labels: Record<string, string>;
  value: number;
}

/**
 * The samples of metric `name` in a Prometheus text exposition (what `/metrics` answers), e.g.
 * `metricSamples(text, 'sfu_mediasoup_objects')`. Histogram and summary series (`_bucket`,
 * `_sum`, `_count`) are other names.
 */
export function metricSamples(text: string, name: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(
      /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g,
    ))
      labels[key!] = value!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ labels, value: Number(match[3]) });
  }
  return samples;
}

/** Fetches `url` (a service's `/metrics`) and returns the samples of metric `name`. */
export async function scrapeMetric(url: string, name: string): Promise<MetricSample[]> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return metricSamples(await res.text(), name);
}
