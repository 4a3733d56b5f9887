import { NodeId } from './ids';

/** The longest node id: {@link NodeId}'s limit (a NATS subject token, a Redis key part). */
export const NODE_ID_MAX_LENGTH = 64;

/** Length of the hash that keeps two long names apart once they are shortened. */
const HASH_LENGTH = 8;

/**
 * The SFU node id for a host name, whatever its shape: the one rule every place that names a
 * node in NATS subjects follows (the sfu-node's own configuration, operators' tools).
 *
 * - A name that is already a valid node id is its own id (`n1`, `sfu-node-1`, `Sfu-A`), so
 *   explicit ids, derived ids and an id typed back into a tool all agree.
 * - Dots become `_` (`ip-10-0-0-1.eu-west-1.compute.internal` →
 *   `ip-10-0-0-1_eu-west-1_compute_internal`). Kubernetes node and pod names never contain `_`,
 *   so two of them never meet on the same id.
 * - Any other character outside letters, digits, `_` and `-` becomes `-`. Case is kept.
 * - A result longer than {@link NODE_ID_MAX_LENGTH} keeps its beginning and ends with `-` and a
 *   hash of the whole name, so two long names sharing a prefix stay apart.
 *
 * With `podName` (several sfu-nodes on one host, e.g. without host networking), the id is
 * derived from `<nodeName>.<podName>`: unique per pod, but it changes when the pod is replaced.
 * Throws on an empty name.
 */
export function deriveNodeId(nodeName: string, podName?: string): string {
  const node = nodeName.trim();
  const pod = podName?.trim();
  if (node === '') throw new Error('a node id needs a non-empty node name');
  const name = pod ? `${node}.${pod}` : node;
  if (NodeId.safeParse(name).success) return name;

  const safe = name.replace(/\./g, '_').replace(/[^A-Za-z0-9_-]/g, '-');
  if (safe.length <= NODE_ID_MAX_LENGTH) return safe;
  const keep = NODE_ID_MAX_LENGTH - HASH_LENGTH - 1;
  return `${safe.slice(0, keep)}-${fnv1a32(name)}`;
}

/** FNV-1a, 32 bits, as 8 hex digits: a stable short hash that needs no crypto module. */
function fnv1a32(text: string): string {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(HASH_LENGTH, '0');
}
