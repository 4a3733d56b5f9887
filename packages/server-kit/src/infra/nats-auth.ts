import { readFileSync } from 'node:fs';

import { credsAuthenticator } from '@nats-io/transport-node';

import { ConfigError, type NatsConfig } from '../config';

type NatsAuthConfig = Pick<NatsConfig, 'NATS_USER' | 'NATS_PASSWORD' | 'NATS_TOKEN' | 'NATS_CREDS'>;

/** What is wrong with a configuration's NATS credentials (empty: nothing). */
export function natsAuthProblems(config: NatsConfig): Array<{ variable: string; problem: string }> {
  const problems: Array<{ variable: string; problem: string }> = [];
  if ((config.NATS_USER === undefined) !== (config.NATS_PASSWORD === undefined))
    problems.push(
      config.NATS_USER === undefined
        ? { variable: 'NATS_USER', problem: 'is required with NATS_PASSWORD' }
        : { variable: 'NATS_PASSWORD', problem: 'is required with NATS_USER' },
    );
  const ways = [
    config.NATS_USER !== undefined && 'NATS_USER',
    config.NATS_TOKEN !== undefined && 'NATS_TOKEN',
    config.NATS_CREDS !== undefined && 'NATS_CREDS',
  ].filter((w): w is string => w !== false);
  if (ways.length > 1)
    problems.push({
      variable: ways[1]!,
      problem: `cannot be set with ${ways[0]}: choose one way to authenticate to NATS`,
    });
  if (ways.length > 0 && config.NATS_URL.some((u) => new URL(u).username !== ''))
    problems.push({
      variable: 'NATS_URL',
      problem: `holds credentials, and so does ${ways[0]}: keep them in one place`,
    });
  if (config.NATS_CREDS !== undefined) {
    try {
      readFileSync(config.NATS_CREDS);
    } catch (error) {
      problems.push({
        variable: 'NATS_CREDS',
        problem: `is not a readable credentials file (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      });
    }
  }
  return problems;
}

/** Throws the {@link ConfigError} of {@link natsAuthProblems}, if any. */
export function assertNatsAuth(service: string, config: NatsConfig): void {
  const problems = natsAuthProblems(config);
  if (problems.length > 0) throw new ConfigError(service, problems);
}

/** The `nats` connection options that authenticate with the configured credentials. */
export function natsAuthOptions(config: Partial<NatsAuthConfig>): {
  user?: string;
  pass?: string;
  token?: string;
  authenticator?: ReturnType<typeof credsAuthenticator>;
} {
  if (config.NATS_USER !== undefined && config.NATS_PASSWORD !== undefined)
    return { user: config.NATS_USER, pass: config.NATS_PASSWORD };
  if (config.NATS_TOKEN !== undefined) return { token: config.NATS_TOKEN };
  if (config.NATS_CREDS !== undefined)
    return { authenticator: credsAuthenticator(new Uint8Array(readFileSync(config.NATS_CREDS))) };
  return {};
}
