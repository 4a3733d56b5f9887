import { type PodSpec, restrictedViolations } from './pod-security';

const compliant = (): PodSpec => ({
  securityContext: {
    runAsNonRoot: true,
    runAsUser: 1000,
    seccompProfile: { type: 'RuntimeDefault' },
  },
  containers: [
    {
      name: 'app',
      securityContext: {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      },
    },
  ],
  volumes: [{ name: 'tmp', emptyDir: {} }],
});

describe('restrictedViolations', () => {
  it('finds nothing in a pod written to the restricted profile', () => {
    expect(restrictedViolations(compliant())).toEqual([]);
  });

  it('names each breach: host networking, root, escalation, capabilities, seccomp, volumes', () => {
    const pod = compliant();
    pod.hostNetwork = true;
    pod.securityContext = {};
    pod.containers[0]!.securityContext = { capabilities: { add: ['NET_ADMIN'] } };
    pod.volumes = [{ name: 'host', hostPath: { path: '/' } }];
    expect(restrictedViolations(pod)).toEqual([
      'hostNetwork',
      'volume host (hostPath)',
      'container app: allowPrivilegeEscalation is not false',
      'container app: capabilities do not drop ALL',
      'container app: adds capabilities NET_ADMIN',
      'container app: runAsNonRoot is not true',
      'container app: seccomp profile unset',
      'container app: root filesystem is writable',
    ]);
  });
});
