import type { K8sObject } from './kustomize';
import { imageVersion, policyViolations } from './policy';

function deployment(container: Record<string, unknown>): K8sObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'app', namespace: 'cascade' },
    spec: { template: { spec: { containers: [{ name: 'app', ...container }] } } },
  };
}

const good = {
  image: 'registry.example.com:5000/cascade/gateway:0.1.0',
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
  readinessProbe: { httpGet: { path: '/readyz', port: 3000 } },
  livenessProbe: { httpGet: { path: '/healthz', port: 3000 } },
};

describe('the deployment policy', () => {
  it('accepts a pinned image with resources and probes', () => {
    expect(policyViolations(deployment(good))).toEqual([]);
  });

  it.each([
    ['nats', 'untagged (latest)'],
    ['redis:latest', 'tagged latest'],
    ['registry.example.com:5000/cascade/gateway', 'untagged (latest)'],
    [`postgres@sha256:${'a'.repeat(64)}`, 'pinned'],
    ['postgres:16.8-alpine', 'pinned'],
  ])('reads %s as %s', (image, verdict) => {
    expect(imageVersion(image)).toBe(verdict);
  });

  it('names each missing resource and probe', () => {
    expect(
      policyViolations(deployment({ image: 'redis:latest', resources: { requests: { cpu: 1 } } })),
    ).toEqual([
      'Deployment cascade/app container app: image redis:latest is tagged latest',
      'Deployment cascade/app container app: no memory request',
      'Deployment cascade/app container app: no memory limit',
      'Deployment cascade/app container app: no readiness probe',
      'Deployment cascade/app container app: no liveness probe',
    ]);
  });

  it('leaves objects that run nothing alone', () => {
    expect(
      policyViolations({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: {} }),
    ).toEqual([]);
  });
});
