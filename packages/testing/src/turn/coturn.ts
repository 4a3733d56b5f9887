import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { onPath, stopProcess } from '../browser/processes';
import { isReachable, waitFor } from '../net';

/**
 * coturn (Debian's `turnserver`) as Cascade runs it beside its media nodes on one machine: the
 * local stack (`scripts/dev-stack.mjs`, which loads this module's build) and the TURN tests. One
 * place for its configuration, so that what the tests prove is what `npm start` runs.
 *
 * Time-limited credentials only (`use-auth-secret`: the gateway mints them with the same
 * secret), TURN on `port` over UDP and TCP, TURN over TLS on `tls.port` when given (clients whose
 * network lets only TLS out; 443 in deployments), relays from `relayPorts`, loopback peers allowed
 * (the media nodes are on 127.0.0.1 here; never in production, see deploy/k8s/components/turn).
 */
export interface CoturnOptions {
  /** TURN over UDP and TCP. */
  port: number;
  /** The relay ports, inclusive. */
  relayPorts: readonly [number, number];
  /** The REST API secret (`static-auth-secret`). */
  secret: string;
  realm: string;
  /** Where coturn keeps its user database and pid file. */
  dir: string;
  /** TURN over TLS: the listening port and a certificate and key (PEM files). */
  tls?: { port: number; cert: string; key: string } | undefined;
  /** Every request in the log (the tests read allocations from it). */
  verbose?: boolean;
  /** Default 127.0.0.1: listening and relay address. */
  address?: string;
}

/** The turnserver.conf for `options`. */
export function coturnConfig(options: CoturnOptions): string {
  const address = options.address ?? '127.0.0.1';
  const { tls } = options;
  return [
    `listening-port=${options.port}`,
    `listening-ip=${address}`,
    `relay-ip=${address}`,
    `min-port=${options.relayPorts[0]}`,
    `max-port=${options.relayPorts[1]}`,
    'use-auth-secret',
    `static-auth-secret=${options.secret}`,
    `realm=${options.realm}`,
    'fingerprint',
    ...(tls
      ? [
          `tls-listening-port=${tls.port}`,
          `cert=${tls.cert}`,
          `pkey=${tls.key}`,
          // TLS 1.2 and later only, as in deploy/k8s/components/turn/turnserver.conf.
          'no-tlsv1',
          'no-tlsv1_1',
        ]
      : ['no-tls']),
    'no-dtls',
    'no-cli',
    'no-multicast-peers',
    // The sfu-nodes are on 127.0.0.1 here: coturn refuses loopback peers unless told.
    'allow-loopback-peers',
    `userdb=${join(options.dir, `turndb-${options.port}`)}`,
    `pidfile=${join(options.dir, `turnserver-${options.port}.pid`)}`,
    'log-file=stdout',
    'simple-log',
    ...(options.verbose ? ['verbose'] : []),
    '',
  ].join('\n');
}

export interface SelfSignedCertificate {
  cert: string;
  key: string;
  /** base64(SHA-256(SubjectPublicKeyInfo)): what Chromium's `--ignore-certificate-errors-spki-list` pins. */
  spki: string;
}

/**
 * A self-signed certificate for `hosts` (names and IP addresses, in its subjectAltName), made
 * with openssl in `dir` (`turn-tls.crt`, `turn-tls.key`) unless one for the same hosts is there.
 */
export function selfSignedCertificate(
  dir: string,
  hosts: readonly string[],
): SelfSignedCertificate {
  const cert = join(dir, 'turn-tls.crt');
  const key = join(dir, 'turn-tls.key');
  const san = hosts.map((h) => (/^[\d.]+$|:/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
  const hostsFile = join(dir, 'turn-tls.hosts');
  let current = '';
  try {
    current = readFileSync(hostsFile, 'utf8');
  } catch {
    // none yet
  }
  if (current !== san) {
    // prettier-ignore
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', key, '-out', cert, '-days', '365',
      '-subj', `/CN=${hosts[0] ?? 'localhost'}`, '-addext', `subjectAltName=${san}`,
    ], { stdio: 'ignore' });
    writeFileSync(hostsFile, san);
  }
  const publicKey = execFileSync('openssl', ['x509', '-in', cert, '-pubkey', '-noout']);
  const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: publicKey });
  return { cert, key, spki: createHash('sha256').update(der).digest('base64') };
}

export interface RunningCoturn {
  options: CoturnOptions;
  /** Everything coturn logged so far. */
  log(): string;
  stop(): Promise<void>;
}

/**
 * coturn for a test, in a temporary directory of its own (removed by `stop`), ready once its
 * listeners accept connections. Fails (never skips) where coturn is missing.
 */
export async function startCoturn(
  options: Omit<CoturnOptions, 'dir'> & { dir?: string },
): Promise<RunningCoturn> {
  if (!onPath('turnserver'))
    throw new Error(
      "turnserver is not installed: the TURN tests need Debian's coturn (scripts/debian-packages.txt); " +
        'run `bash scripts/bootstrap.sh` or `apt-get install -y coturn`',
    );
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'cascade-turn-'));
  const full: CoturnOptions = { ...options, dir };
  const conf = join(dir, `turnserver-${options.port}.conf`);
  writeFileSync(conf, coturnConfig(full), { mode: 0o600 });
  let log = '';
  const child: ChildProcess = spawn('turnserver', ['-c', conf], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.on('error', (error) => (log += `\nspawn failed: ${String(error)}\n`));
  for (const stream of [child.stdout, child.stderr])
    stream?.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  const stop = async () => {
    await stopProcess(child);
    if (!options.dir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of [options.port, ...(options.tls ? [options.tls.port] : [])])
      await waitFor(
        `turnserver to listen on ${port}`,
        async () => {
          if (child.exitCode !== null || log.includes('spawn failed'))
            throw new Error(`turnserver did not start:\n${log}`);
          return (await isReachable(options.address ?? '127.0.0.1', port)) ? true : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 100 },
      );
  } catch (error) {
    await stop();
    throw error;
  }
  return { options: full, log: () => log, stop };
}
