import { metricSamples } from './prometheus';

const TEXT = `# HELP sfu_mediasoup_objects mediasoup objects
# TYPE sfu_mediasoup_objects gauge
sfu_mediasoup_objects{kind="router",transport="",service="sfu-node"} 1
sfu_mediasoup_objects{kind="consumer",transport="pipe",service="sfu-node"} 4
sfu_mediasoup_objects_total 9
process_open_fds 31
weird{help="a \\"quoted\\" value"} 2.5
`;

describe('metricSamples', () => {
  it('returns the samples of one metric with their labels, and nothing of other names', () => {
    expect(metricSamples(TEXT, 'sfu_mediasoup_objects')).toEqual([
      { labels: { kind: 'router', transport: '', service: 'sfu-node' }, value: 1 },
      { labels: { kind: 'consumer', transport: 'pipe', service: 'sfu-node' }, value: 4 },
    ]);
    expect(metricSamples(TEXT, 'process_open_fds')).toEqual([{ labels: {}, value: 31 }]);
    expect(metricSamples(TEXT, 'weird')).toEqual([
      { labels: { help: 'a "quoted" value' }, value: 2.5 },
    ]);
    expect(metricSamples(TEXT, 'missing')).toEqual([]);
  });
});
