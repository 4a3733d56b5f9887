import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { REPO } from './kustomize';

/** deploy/nats/cascade-users.conf, the NATS users of every deployment (one per service). */
export const NATS_USERS_CONF = join(REPO, 'deploy/nats/cascade-users.conf');

/** The user names of deploy/nats/cascade-users.conf. */
export const natsUsers = (): string[] =>
  [...readFileSync(NATS_USERS_CONF, 'utf8').matchAll(/^\s*user:\s*"([^"]+)"/gm)].map((m) => m[1]!);

/**
 * The environment variables cascade-users.conf reads the users' passwords from, by user
 * (`password: $NATS_PASSWORD_GATEWAY`): what the NATS server must be given.
 */
export function natsPasswordVariables(): Record<string, string> {
  const conf = readFileSync(NATS_USERS_CONF, 'utf8');
  return Object.fromEntries(
    [...conf.matchAll(/^\s*user:\s*"([^"]+)"\s*\n\s*password:\s*\$([A-Z0-9_]+)\s*$/gm)].map((m) => [
      m[1]!,
      m[2]!,
    ]),
  );
}
