/**
 * Version of the client⇄gateway signaling protocol. A client sends the version it speaks in
 * its handshake; the gateway refuses a major version it does not serve with
 * `UNSUPPORTED_PROTOCOL`. Bump it on any incompatible change to the signaling schemas.
 */
export const PROTOCOL_VERSION = 1;

/** Protocol versions this build of the server accepts. */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly number[] = [PROTOCOL_VERSION];

export function isSupportedProtocolVersion(version: unknown): boolean {
  return typeof version === 'number' && SUPPORTED_PROTOCOL_VERSIONS.includes(version);
}
