// Runs every Cascade service on this machine for development: creates the services' local
// databases, starts each service from its build with development configuration, prints their
// pino JSON logs as readable prefixed lines, waits until every one is ready, prints where to
// connect, and stops them all cleanly on Ctrl-C (SIGINT) or SIGTERM.
//
// Environment (all optional): NATS_URL, REDIS_URL, DATABASE_ADMIN_URL (a PostgreSQL URL whose
// user may create databases), CASCADE_HTTP_PORT_BASE (3000: gateway, +1 identity, +2 rooms,
// +3 sfu-orchestrator, +4 sfu-node), NATS_SUBJECT_PREFIX, REDIS_KEY_PREFIX, LOG_LEVEL,
// CASCADE_LOG_FORMAT=json to print the services' JSON lines unchanged.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'packages/testing/package.json'));
const { Client } = require('pg');

const env = process.env;
const base = Number(env.CASCADE_HTTP_PORT_BASE ?? 3000);
const adminUrl = env.DATABASE_ADMIN_URL ?? 'postgresql://postgres:postgres@127.0.0.1:5432/postgres';
const shared = {
  NODE_ENV: 'development',
  LOG_LEVEL: env.LOG_LEVEL ?? 'info',
  HTTP_HOST: '127.0.0.1',
  NATS_URL: env.NATS_URL ?? 'nats://127.0.0.1:4222',
  NATS_SUBJECT_PREFIX: env.NATS_SUBJECT_PREFIX ?? 'cascade',
};
const redis = {
  REDIS_URL: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  REDIS_KEY_PREFIX: env.REDIS_KEY_PREFIX ?? 'cascade:',
};
const databaseUrl = (name) => {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
};
const dbPrefix = env.CASCADE_DATABASE_PREFIX ?? 'cascade_dev';

const services = [
  { name: 'gateway', port: base, env: { ...redis } },
  {
    name: 'identity',
    port: base + 1,
    env: { DATABASE_URL: databaseUrl(`${dbPrefix}_identity`) },
    database: `${dbPrefix}_identity`,
  },
  {
    name: 'rooms',
    port: base + 2,
    env: { DATABASE_URL: databaseUrl(`${dbPrefix}_rooms`) },
    database: `${dbPrefix}_rooms`,
  },
  { name: 'sfu-orchestrator', port: base + 3, env: { ...redis } },
  {
    name: 'sfu-node',
    port: base + 4,
    env: { MEDIASOUP_NUM_WORKERS: env.MEDIASOUP_NUM_WORKERS ?? '1' },
  },
];

const useColor = process.stdout.isTTY && env.NO_COLOR === undefined;
const COLORS = [36, 35, 32, 33, 34];
const LEVEL_COLORS = { trace: 90, debug: 90, info: 32, warn: 33, error: 31, fatal: 41 };
const paint = (code, text) => (useColor ? `\x1b[${code}m${text}\x1b[0m` : text);
const width = Math.max(...services.map((s) => s.name.length));
const say = (text) =>
  process.stdout.write(`${paint('1;34', '[cascade]'.padEnd(width + 2))} ${text}\n`);

function format(service, index, line) {
  const prefix = paint(COLORS[index % COLORS.length], service.padEnd(width + 2));
  if (env.CASCADE_LOG_FORMAT === 'json') return `${prefix} ${line}`;
  let entry;
  try {
    entry = JSON.parse(line);
  } catch {
    return `${prefix} ${line}`;
  }
  const {
    level,
    time,
    msg,
    context,
    service: _s,
    version: _v,
    instance: _i,
    pid: _p,
    hostname: _h,
    ...rest
  } = entry;
  const clock =
    typeof time === 'string' ? time.slice(11, 23) : new Date().toISOString().slice(11, 23);
  const lvl = paint(
    LEVEL_COLORS[level] ?? 0,
    String(level ?? '')
      .toUpperCase()
      .padEnd(5),
  );
  const ctx = context ? paint(90, `[${context}] `) : '';
  const extra = Object.keys(rest).length > 0 ? ` ${paint(90, JSON.stringify(rest))}` : '';
  return `${prefix} ${clock} ${lvl} ${ctx}${msg ?? ''}${extra}`;
}

async function ensureDatabases() {
  const client = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    for (const { database } of services.filter((s) => s.database)) {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
        database,
      ]);
      if (rowCount === 0) {
        await client.query(`CREATE DATABASE "${database}"`);
        say(`created database ${database}`);
      }
    }
  } finally {
    await client.end();
  }
}

const children = new Map();
let stopping = false;

function start(service, index) {
  const child = spawn(process.execPath, [join(root, 'services', service.name, 'dist', 'main.js')], {
    cwd: join(root, 'services', service.name),
    env: { ...process.env, ...shared, ...service.env, HTTP_PORT: String(service.port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.set(service.name, child);
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream.setEncoding('utf8').on('data', (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop();
      for (const line of lines)
        if (line) process.stdout.write(`${format(service.name, index, line)}\n`);
    });
  }
  child.on('exit', (code, signal) => {
    children.delete(service.name);
    if (!stopping) {
      say(
        paint(
          31,
          `${service.name} exited unexpectedly (${signal ?? `code ${code}`}); stopping everything`,
        ),
      );
      void stop(1);
    } else if (children.size === 0) {
      say('all services stopped');
      process.exit(process.exitCode ?? 0);
    }
  });
}

async function waitUntilReady(timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(services.map((s) => s.name));
  while (pending.size > 0 && Date.now() < deadline && !stopping) {
    for (const s of services.filter((s) => pending.has(s.name))) {
      try {
        const res = await fetch(`http://127.0.0.1:${s.port}/readyz`, {
          signal: AbortSignal.timeout(2_000),
        });
        if (res.status === 200) pending.delete(s.name);
      } catch {
        // not listening yet
      }
    }
    if (pending.size > 0) await new Promise((r) => setTimeout(r, 250));
  }
  return [...pending];
}

function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  process.exitCode = code;
  if (children.size === 0) process.exit(code);
  say('stopping services');
  for (const child of children.values()) child.kill('SIGTERM');
  setTimeout(() => {
    for (const [name, child] of children) {
      say(paint(31, `${name} did not stop in time; killing it`));
      child.kill('SIGKILL');
    }
  }, 15_000).unref();
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

try {
  await ensureDatabases();
} catch (error) {
  say(
    paint(
      31,
      `cannot prepare databases through ${adminUrl.replace(/:[^:@/]*@/, ':***@')}: ${error.message}`,
    ),
  );
  process.exit(1);
}
services.forEach(start);
const notReady = await waitUntilReady();
if (stopping) {
  // stopped while starting
} else if (notReady.length > 0) {
  say(paint(31, `not ready after 60 s: ${notReady.join(', ')} (see their /readyz); stopping`));
  stop(1);
} else {
  say(paint(32, 'Cascade is running. Press Ctrl-C to stop.'));
  for (const s of services)
    say(`  ${s.name.padEnd(width)}  http://127.0.0.1:${s.port}  (/healthz /readyz /metrics)`);
  say(
    `  NATS ${shared.NATS_URL} (subjects ${shared.NATS_SUBJECT_PREFIX}.*), Redis ${redis.REDIS_URL}`,
  );
}
