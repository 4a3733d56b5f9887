/**
 * The Kubernetes Pod Security Standards' `restricted` profile (which includes `baseline`), as a
 * pure check over a pod template, plus Cascade's own rule of a read-only root filesystem. Used by
 * the manifest check (manifests.test.ts) on what `kubectl kustomize` renders, so a workload that
 * admission would refuse in namespace cascade fails `npm test` first.
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/
 */

interface SecurityContext {
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type?: string };
}

interface Container {
  name: string;
  securityContext?: SecurityContext;
  ports?: Array<{ hostPort?: number }>;
}

export interface PodSpec {
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  securityContext?: SecurityContext;
  containers: Container[];
  initContainers?: Container[];
  volumes?: Array<Record<string, unknown> & { name: string }>;
}

/** Volume types the restricted profile allows. */
const ALLOWED_VOLUMES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);

/** Everything in `pod` that the restricted profile (or a writable root filesystem) breaks. */
export function restrictedViolations(pod: PodSpec): string[] {
  const problems: string[] = [];
  if (pod.hostNetwork) problems.push('hostNetwork');
  if (pod.hostPID) problems.push('hostPID');
  if (pod.hostIPC) problems.push('hostIPC');
  for (const volume of pod.volumes ?? []) {
    const type = Object.keys(volume).find((k) => k !== 'name');
    if (!type || !ALLOWED_VOLUMES.has(type)) problems.push(`volume ${volume.name} (${type})`);
  }
  const podContext = pod.securityContext ?? {};
  if (podContext.runAsUser === 0) problems.push('pod runAsUser 0');
  for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
    const ctx = c.securityContext ?? {};
    const at = (what: string) => problems.push(`container ${c.name}: ${what}`);
    if (ctx.privileged) at('privileged');
    if (ctx.allowPrivilegeEscalation !== false) at('allowPrivilegeEscalation is not false');
    if (!(ctx.capabilities?.drop ?? []).includes('ALL')) at('capabilities do not drop ALL');
    const added = (ctx.capabilities?.add ?? []).filter((cap) => cap !== 'NET_BIND_SERVICE');
    if (added.length > 0) at(`adds capabilities ${added.join(', ')}`);
    if ((ctx.runAsNonRoot ?? podContext.runAsNonRoot) !== true) at('runAsNonRoot is not true');
    if (ctx.runAsUser === 0) at('runAsUser 0');
    const seccomp = ctx.seccompProfile?.type ?? podContext.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') {
      at(`seccomp profile ${seccomp ?? 'unset'}`);
    }
    if ((c.ports ?? []).some((p) => p.hostPort !== undefined && p.hostPort !== 0)) at('hostPort');
    if (ctx.readOnlyRootFilesystem !== true) at('root filesystem is writable');
  }
  return problems;
}
