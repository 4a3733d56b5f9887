// Runs the whole Cascade stack on this machine for development: creates the services' local
// databases, starts each service from its build with development configuration (two gateway
// instances and two sfu-nodes, so that rooms really span instances and nodes), prints their pino
// JSON logs as readable prefixed lines, waits until every one is ready, prints where to connect,
// and stops them all cleanly on Ctrl-C (SIGINT) or SIGTERM.
//
//   node scripts/dev-stack.mjs                          the stack (what `npm start` runs)
//   node scripts/dev-stack.mjs join-token NAME [ROOM]   with the stack running: sign NAME in
//       (development sign-in, tenant "dev"), create a room unless ROOM is given, and print a
//       join token for it (grants join, publish, subscribe); `--json` prints it as JSON.
//
// Processes and ports (HTTP: health, readiness, metrics, and each service's API):
//
//   CASCADE_HTTP_PORT_BASE + 0   gateway-1          Socket.IO signaling (path /socket.io)
//                          + 1   identity           sign-in, tokens, JWKS, API keys (/docs)
//                          + 2   rooms              rooms, membership, presence, chat (/docs)
//                          + 3   sfu-orchestrator   placement, pipes, failover
//                          + 4   sfu-node-1         mediasoup workers
//                          + 5   gateway-2          Socket.IO signaling, second instance
//                          + 6   sfu-node-2         mediasoup workers, second node
//   CASCADE_WEB_PORT (8080)          web                the web app (vite preview of its build) with
//                                                       /api/identity, /api/rooms and /socket.io
//                                                       proxied: the one URL to open
//
//   CASCADE_TURN_PORT (3478)         turn               coturn (Debian's `turnserver`), UDP and TCP,
//   CASCADE_TURN_TLS_PORT (5349)                        and TLS (a self-signed certificate made in
//                                                       .cascade/), relays on
//                                                       CASCADE_TURN_PORT + 1 … + 100: the
//                                                       gateways hand each session its own time-limited
//                                                       credential for it (a fresh secret each start).
//                                                       CASCADE_TURN=off, or no `turnserver` on PATH:
//                                                       no TURN (said at start)
//
//   CASCADE_NATS_PORT (4223)         nats               with CASCADE_NATS_AUTH=1 only: the stack's own
//                                                       nats-server (Debian's `nats-server`) with one
//                                                       user per service and its subject permissions
//                                                       (deploy/nats/cascade-users.conf), passwords new
//                                                       at every start (.cascade/nats-<port>.env); every
//                                                       service connects as its own user. Needs
//                                                       NATS_SUBJECT_PREFIX=cascade (the file's prefix).
//                                                       Without it: the NATS at NATS_URL, no user
//
//   Media (UDP and TCP, below Linux's ephemeral range so no outgoing connection takes them):
//   sfu-node-N's worker i has its WebRtcServer on CASCADE_MEDIA_PORT_BASE + 100 × (N − 1) + i
//   (defaults 20000 and 20100); plain and pipe transports use 40100-44999 (node 1) and
//   45000-49999 (node 2). Both nodes listen on and announce 127.0.0.1.
//
// Environment (all optional): NATS_URL, REDIS_URL, DATABASE_ADMIN_URL (a PostgreSQL URL whose
// user may create databases), CASCADE_HTTP_PORT_BASE (3000), CASCADE_MEDIA_PORT_BASE (20000),
// CASCADE_DATABASE_PREFIX (cascade_dev), MEDIASOUP_NUM_WORKERS (workers per sfu-node, 1),
// NATS_SUBJECT_PREFIX, REDIS_KEY_PREFIX, CASCADE_NATS_AUTH, CASCADE_NATS_PORT, LOG_LEVEL, CASCADE_LOG_FORMAT=json to print the
// services' JSON lines unchanged, and what happens when a process dies once the stack is ready
// (before, a process that exits is a failed start and everything stops):
//
//   CASCADE_ON_EXIT=restart     (default) as a supervisor or Kubernetes would: the others keep
//                               running, the dead one starts again after a backoff of
//                               CASCADE_RESTART_BACKOFF_MS (1 s) that doubles with every crash
//                               within 30 s of its start, up to 30 s; each step is printed
//   CASCADE_ON_EXIT=keep-going  the others keep running and the dead one stays down (failure
//                               drills); CASCADE_KEEP_GOING=1 means the same
//   CASCADE_ON_EXIT=stop        everything stops
//
// Any other variable a service reads (GATEWAY_RATE_LIMIT_BURST, ORCH_*, ...) passes through to it.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const base = Number(env.CASCADE_HTTP_PORT_BASE ?? 3000);
const mediaBase = Number(env.CASCADE_MEDIA_PORT_BASE ?? 20_000);
const workersPerNode = Number(env.MEDIASOUP_NUM_WORKERS ?? 1);
const identityUrl = `http://127.0.0.1:${base + 1}`;
const roomsUrl = `http://127.0.0.1:${base + 2}`;
const gatewayUrls = [base, base + 5].map((port) => `http://127.0.0.1:${port}`);
const webPort = Number(env.CASCADE_WEB_PORT ?? 8080);
const webUrl = `http://localhost:${webPort}`;
const devTenant = 'dev';
const turnPort = Number(env.CASCADE_TURN_PORT ?? 3478);
const turnTlsPort = Number(env.CASCADE_TURN_TLS_PORT ?? 5349);
const natsAuth = env.CASCADE_NATS_AUTH === '1';
const natsPort = Number(env.CASCADE_NATS_PORT ?? 4223);
/** The NATS users of deploy/nats/cascade-users.conf: one per service (its folder's name). */
const NATS_USERS = ['gateway', 'identity', 'rooms', 'sfu-orchestrator', 'sfu-node'];
/** The subject prefix deploy/nats/cascade-users.conf is generated for. */
const NATS_USERS_PREFIX = 'cascade';
const onExit = env.CASCADE_ON_EXIT ?? (env.CASCADE_KEEP_GOING === '1' ? 'keep-going' : 'restart');
const restartBackoffMs = Number(env.CASCADE_RESTART_BACKOFF_MS ?? 1_000);
/** A restarted service that stays up this long has recovered: its backoff starts over. */
const RESTART_STABLE_MS = 30_000;
const RESTART_BACKOFF_MAX_MS = 30_000;

if (process.argv[2] === 'join-token') {
  await joinTokenCommand(process.argv.slice(3));
  process.exit(0);
}

for (const [name, value, max] of [
  ['CASCADE_HTTP_PORT_BASE', base, 65_535 - 6],
  ['CASCADE_MEDIA_PORT_BASE', mediaBase, 65_535 - 200],
  ['MEDIASOUP_NUM_WORKERS', workersPerNode, 100],
  ['CASCADE_WEB_PORT', webPort, 65_535],
  ['CASCADE_TURN_PORT', turnPort, 65_535 - 100],
  ['CASCADE_TURN_TLS_PORT', turnTlsPort, 65_535],
  ['CASCADE_NATS_PORT', natsPort, 65_535],
  ['CASCADE_RESTART_BACKOFF_MS', restartBackoffMs, RESTART_BACKOFF_MAX_MS],
]) {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    process.stderr.write(`${name} must be an integer from 1 to ${max} (got "${value}")\n`);
    process.exit(2);
  }
}
if (!['0', '1', undefined].includes(env.CASCADE_NATS_AUTH)) {
  process.stderr.write(`CASCADE_NATS_AUTH must be 1 or 0 (got "${env.CASCADE_NATS_AUTH}")\n`);
  process.exit(2);
}
if (natsAuth && (env.NATS_SUBJECT_PREFIX ?? NATS_USERS_PREFIX) !== NATS_USERS_PREFIX) {
  process.stderr.write(
    `CASCADE_NATS_AUTH=1 needs NATS_SUBJECT_PREFIX=${NATS_USERS_PREFIX} (got "${env.NATS_SUBJECT_PREFIX}"): ` +
      `deploy/nats/cascade-users.conf allows the subjects under "${NATS_USERS_PREFIX}." only\n`,
  );
  process.exit(2);
}
if (natsAuth) {
  const given = ['NATS_URL', 'NATS_USER', 'NATS_PASSWORD', 'NATS_TOKEN', 'NATS_CREDS'].filter(
    (name) => env[name] !== undefined,
  );
  if (given.length > 0) {
    process.stderr.write(
      `CASCADE_NATS_AUTH=1 runs its own NATS server and gives each service its user: unset ${given.join(', ')}\n`,
    );
    process.exit(2);
  }
}
if (!['restart', 'keep-going', 'stop'].includes(onExit)) {
  process.stderr.write(`CASCADE_ON_EXIT must be restart, keep-going or stop (got "${onExit}")\n`);
  process.exit(2);
}

const require = createRequire(join(root, 'packages/testing/package.json'));
const { Client } = require('pg');

const adminUrl = env.DATABASE_ADMIN_URL ?? 'postgresql://postgres:postgres@127.0.0.1:5432/postgres';
// With CASCADE_NATS_AUTH=1, the stack's own nats-server with a user per service.
const nats = localNats();
const shared = {
  NODE_ENV: 'development',
  LOG_LEVEL: env.LOG_LEVEL ?? 'info',
  HTTP_HOST: '127.0.0.1',
  NATS_URL: nats ? nats.url : (env.NATS_URL ?? 'nats://127.0.0.1:4222'),
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
// The development signing key, made once and kept in .cascade/ (gitignored).
const signingKeys =
  env.IDENTITY_SIGNING_KEYS ??
  execFileSync(
    process.execPath,
    [
      join(root, 'services/identity/scripts/dev-signing-key.mjs'),
      join(root, '.cascade/identity-dev-key.pem'),
    ],
    { encoding: 'utf8' },
  ).trim();
const jwksUrl = `${identityUrl}/.well-known/jwks.json`;
const accessTokens = {
  ROOMS_AUTH_JWKS_URL: jwksUrl,
  ROOMS_AUTH_ISSUER: 'cascade-identity',
  ROOMS_AUTH_AUDIENCE: 'cascade-api',
};
// TURN (coturn) beside the media nodes, as in compose and Kubernetes: clients whose network
// blocks UDP or direct paths relay through it. Its REST secret is new at every start.
const turn = localTurn();
const gateway = {
  ...redis,
  GATEWAY_AUTH_JWKS_URL: jwksUrl,
  GATEWAY_AUTH_ISSUER: 'cascade-identity',
  GATEWAY_AUTH_AUDIENCE: 'cascade-join',
  ...(turn
    ? {
        // TURN over UDP, TCP and TLS (a network that lets only TLS out): in deployments on 443.
        GATEWAY_TURN_URLS: [
          `turn:127.0.0.1:${turnPort}?transport=udp`,
          `turn:127.0.0.1:${turnPort}?transport=tcp`,
          `turns:127.0.0.1:${turnTlsPort}?transport=tcp`,
        ].join(','),
        GATEWAY_TURN_SECRET: turn.secret,
      }
    : {}),
};

/**
 * coturn's configuration for this stack (the one the TURN tests run: packages/testing's
 * coturnConfig), or null when TURN is off or not installed. TURN over TLS uses a self-signed
 * certificate for 127.0.0.1 made once in .cascade/ (browsers that do not trust it skip that
 * server and use the others).
 */
function localTurn() {
  if (env.CASCADE_TURN === 'off') return null;
  try {
    execFileSync('sh', ['-c', 'command -v turnserver'], { stdio: 'ignore' });
  } catch {
    return { missing: true };
  }
  const { coturnConfig, selfSignedCertificate } = require(
    join(root, 'packages/testing/dist/turn/coturn.js'),
  );
  const secret = randomBytes(24).toString('hex');
  const dir = join(root, '.cascade');
  mkdirSync(dir, { recursive: true });
  const tls = selfSignedCertificate(dir, ['127.0.0.1', 'localhost']);
  const conf = join(dir, `turnserver-${turnPort}.conf`);
  writeFileSync(
    conf,
    coturnConfig({
      port: turnPort,
      relayPorts: [turnPort + 1, turnPort + 100],
      secret,
      realm: 'cascade.local',
      dir,
      tls: { port: turnTlsPort, cert: tls.cert, key: tls.key },
    }),
    { mode: 0o600 },
  );
  return { secret, conf };
}
/**
 * The stack's own nats-server (CASCADE_NATS_AUTH=1), or null: a configuration in .cascade/ that
 * includes deploy/nats/cascade-users.conf as it ships, a new random password per service user
 * (given to the server in its environment, $NATS_PASSWORD_<SERVICE>, as compose and Kubernetes
 * do), and .cascade/nats-<port>.env with them for tools (cascade-admin connects as the
 * orchestrator). No JetStream: no service uses it.
 */
function localNats() {
  if (!natsAuth) return null;
  try {
    execFileSync('sh', ['-c', 'command -v nats-server'], { stdio: 'ignore' });
  } catch {
    process.stderr.write(
      'CASCADE_NATS_AUTH=1 needs `nats-server` on PATH (Debian: apt-get install nats-server)\n',
    );
    process.exit(2);
  }
  const dir = join(root, '.cascade');
  mkdirSync(dir, { recursive: true });
  const variable = (user) => `NATS_PASSWORD_${user.toUpperCase().replace(/-/g, '_')}`;
  // A letter first: nats-server reads a variable's value as a config token, and one like
  // `0e5…` parses as a number and stops the server (about one random hex password in 25).
  const passwords = Object.fromEntries(
    NATS_USERS.map((u) => [u, `p${randomBytes(24).toString('hex')}`]),
  );
  const url = `nats://127.0.0.1:${natsPort}`;
  const conf = join(dir, `nats-${natsPort}.conf`);
  writeFileSync(
    conf,
    [
      '# Written by scripts/dev-stack.mjs (CASCADE_NATS_AUTH=1) at every start.',
      `listen: 127.0.0.1:${natsPort}`,
      'server_name: cascade-dev',
      // Relative to this file's folder, as nats-server resolves includes.
      `include ${relative(dir, join(root, 'deploy/nats/cascade-users.conf'))}`,
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, `nats-${natsPort}.env`),
    [
      '# The NATS users of the running stack (scripts/dev-stack.mjs, CASCADE_NATS_AUTH=1), new at',
      '# every start. `set -a; . <this file>; set +a` lets cascade-admin connect as the orchestrator.',
      `NATS_URL=${url}`,
      'NATS_USER=sfu-orchestrator',
      `NATS_PASSWORD=${passwords['sfu-orchestrator']}`,
      ...NATS_USERS.map((u) => `${variable(u)}=${passwords[u]}`),
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return {
    url,
    conf,
    passwords,
    serverEnv: Object.fromEntries(NATS_USERS.map((u) => [variable(u), passwords[u]])),
  };
}
const sfuNode = (n) => ({
  SFU_NODE_ID: `sfu-node-${n}`,
  MEDIASOUP_NUM_WORKERS: String(workersPerNode),
  SFU_WEBRTC_PORT_BASE: String(mediaBase + 100 * (n - 1)),
  MEDIASOUP_RTC_MIN_PORT: n === 1 ? '40100' : '45000',
  MEDIASOUP_RTC_MAX_PORT: n === 1 ? '44999' : '49999',
  SFU_LISTEN_IP: '127.0.0.1',
  SFU_ANNOUNCED_ADDRESS: '127.0.0.1',
  // Ctrl-C means stop now: do not keep rooms open while draining.
  SFU_DRAIN_GRACE_MS: env.SFU_DRAIN_GRACE_MS ?? '0',
});

/** `dir` is the service under services/; `name` is this instance (log prefix, messages). */
const services = [
  ...(nats
    ? [
        {
          name: 'nats',
          dir: '..',
          port: natsPort,
          exec: 'nats-server',
          command: ['-c', nats.conf],
          env: nats.serverEnv,
          ready: 'tcp',
          infrastructure: true,
        },
      ]
    : []),
  { name: 'gateway-1', dir: 'gateway', port: base, env: gateway },
  {
    name: 'identity',
    dir: 'identity',
    port: base + 1,
    env: {
      ...redis,
      DATABASE_URL: databaseUrl(`${dbPrefix}_identity`),
      IDENTITY_SIGNING_KEYS: signingKeys,
      IDENTITY_ISSUER: 'cascade-identity',
      // Development sign-in, allowed because every address of this stack is localhost.
      IDENTITY_DEV_LOGIN: 'true',
      // The web app's origins (vite preview): refresh and logout are refused from any other.
      IDENTITY_PUBLIC_ORIGINS:
        env.IDENTITY_PUBLIC_ORIGINS ?? `${webUrl},http://127.0.0.1:${webPort}`,
      IDENTITY_BOOTSTRAP_TENANTS: devTenant,
      // The web app's sign-in page offers this tenant when its address names none.
      IDENTITY_DEFAULT_TENANT: devTenant,
      // The web app reaches identity under /api/identity (its proxy strips the prefix), on
      // http://localhost, where the session cookie is not Secure (auto).
      IDENTITY_REFRESH_COOKIE_PATH: '/api/identity/auth',
      IDENTITY_REFRESH_COOKIE_SECURE: 'auto',
    },
    database: `${dbPrefix}_identity`,
  },
  {
    name: 'rooms',
    dir: 'rooms',
    port: base + 2,
    env: { ...redis, DATABASE_URL: databaseUrl(`${dbPrefix}_rooms`), ...accessTokens },
    database: `${dbPrefix}_rooms`,
  },
  { name: 'sfu-orchestrator', dir: 'sfu-orchestrator', port: base + 3, env: { ...redis } },
  { name: 'sfu-node-1', dir: 'sfu-node', port: base + 4, env: sfuNode(1) },
  { name: 'gateway-2', dir: 'gateway', port: base + 5, env: gateway },
  { name: 'sfu-node-2', dir: 'sfu-node', port: base + 6, env: sfuNode(2) },
  ...(turn && !turn.missing
    ? [
        {
          name: 'turn',
          dir: '..',
          port: turnPort,
          exec: 'turnserver',
          command: ['-c', turn.conf],
          ready: 'tcp',
        },
      ]
    : []),
  // The web app's production build, served by `vite preview` with the same routes Traefik has
  // in compose and Kubernetes: `/api/identity`, `/api/rooms` (prefix stripped) and `/socket.io`.
  {
    name: 'web',
    dir: '../apps/web',
    port: webPort,
    command: [join(root, 'node_modules/vite/bin/vite.js'), 'preview'],
    readyPath: '/',
    env: {
      CASCADE_WEB_PORT: String(webPort),
      CASCADE_WEB_HOST: env.CASCADE_WEB_HOST ?? '127.0.0.1',
      CASCADE_IDENTITY_URL: identityUrl,
      CASCADE_ROOMS_URL: roomsUrl,
      CASCADE_GATEWAY_URLS: gatewayUrls.join(','),
    },
  },
];

// Each service connects as its own NATS user (the user is the service's folder name).
if (nats)
  for (const s of services.filter((s) => NATS_USERS.includes(s.dir)))
    s.env = { ...s.env, NATS_USER: s.dir, NATS_PASSWORD: nats.passwords[s.dir] };

const useColor = process.stdout.isTTY && env.NO_COLOR === undefined;
const COLORS = [36, 35, 32, 33, 34, 96, 95];
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
/** Set once every service answered ready (CASCADE_ON_EXIT applies only after). */
let allReady = false;
/** Per service name: its supervision (start time, restarts, crashes in a row, pending restart). */
const supervision = new Map();

function start(service, index) {
  const cwd = join(root, 'services', service.dir);
  const sup = supervision.get(service.name) ?? { restarts: 0, crashes: 0 };
  supervision.set(service.name, { ...sup, startedAt: Date.now(), timer: undefined });
  const child = spawn(
    service.exec ?? process.execPath,
    service.command ?? [join(cwd, 'dist', 'main.js')],
    {
      cwd,
      env: { ...process.env, ...shared, ...service.env, HTTP_PORT: String(service.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
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
  child.on('error', (error) => say(paint(31, `${service.name} failed to start: ${error.message}`)));
  child.on('exit', (code, signal) => {
    children.delete(service.name);
    const why = signal ?? `code ${code}`;
    if (!stopping && allReady && onExit === 'restart') {
      scheduleRestart(service, index, why);
    } else if (!stopping && allReady && onExit === 'keep-going') {
      // Failure drills (the e2e suite kills an sfu-node): the rest keeps serving.
      say(paint(33, `${service.name} exited (${why}); the others go on`));
    } else if (!stopping) {
      say(
        paint(
          31,
          `${service.name} exited unexpectedly (${signal ?? `code ${code}`}); stopping everything`,
        ),
      );
      stop(1);
    } else if (children.size === 0) {
      say('all services stopped');
      process.exit(process.exitCode ?? 0);
    } else {
      stopInfrastructureLast();
    }
  });
}

/**
 * Starts a dead service again after a backoff, as a supervisor would: the delay doubles with
 * each crash that comes soon after a start, and starts over once the service stayed up.
 */
function scheduleRestart(service, index, why) {
  const sup = supervision.get(service.name);
  const exitedAt = Date.now();
  const upMs = exitedAt - sup.startedAt;
  if (upMs >= RESTART_STABLE_MS) sup.crashes = 0;
  const delayMs = Math.min(restartBackoffMs * 2 ** sup.crashes, RESTART_BACKOFF_MAX_MS);
  sup.crashes += 1;
  sup.restarts += 1;
  say(
    paint(
      33,
      `${service.name} exited (${why}) after ${seconds(upMs)}; restarting it in ${seconds(delayMs)}` +
        ` (restart ${sup.restarts}); the others go on`,
    ),
  );
  sup.timer = setTimeout(() => {
    sup.timer = undefined;
    if (stopping) return;
    start(service, index);
    void announceWhenReady(service, exitedAt);
  }, delayMs);
}

/** Prints when a restarted service answers ready again, counted from its exit. */
async function announceWhenReady(service, exitedAt) {
  const child = children.get(service.name);
  while (!stopping && children.get(service.name) === child) {
    try {
      if (await isReady(service)) {
        say(
          paint(
            32,
            `${service.name} is back: ready ${seconds(Date.now() - exitedAt)} after it exited`,
          ),
        );
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A service answers ready: its readiness URL says 200 (coturn: its TCP port accepts). */
async function isReady(service) {
  if (service.ready === 'tcp')
    return new Promise((resolve) => {
      const socket = tcpConnect({ host: '127.0.0.1', port: service.port, timeout: 2_000 });
      const done = (ok) => {
        socket.destroy();
        resolve(ok);
      };
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
      socket.once('timeout', () => done(false));
    });
  const res = await fetch(`http://127.0.0.1:${service.port}${service.readyPath ?? '/readyz'}`, {
    signal: AbortSignal.timeout(2_000),
  });
  return res.status === 200;
}

function seconds(ms) {
  return `${(ms / 1_000).toFixed(1)} s`;
}

async function waitUntilReady(timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(services.map((s) => s.name));
  while (pending.size > 0 && Date.now() < deadline && !stopping) {
    for (const s of services.filter((s) => pending.has(s.name))) {
      try {
        if (await isReady(s)) pending.delete(s.name);
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
  for (const sup of supervision.values()) clearTimeout(sup.timer);
  if (children.size === 0) process.exit(code);
  say('stopping services');
  // The stack's own NATS goes last: the services close their connections to it first.
  for (const [name, child] of children)
    if (!services.find((s) => s.name === name)?.infrastructure) child.kill('SIGTERM');
  stopInfrastructureLast();
  setTimeout(() => {
    for (const [name, child] of children) {
      say(paint(31, `${name} did not stop in time; killing it`));
      child.kill('SIGKILL');
    }
  }, 15_000).unref();
}

/** While stopping: once only infrastructure (the stack's NATS) is left, stops it too. */
function stopInfrastructureLast() {
  const left = [...children.keys()];
  if (left.every((name) => services.find((s) => s.name === name)?.infrastructure))
    for (const child of children.values()) child.kill('SIGTERM');
}

// ── join-token: a development join token through identity's and rooms' HTTP APIs ────────────

async function api(method, url, body, accessToken) {
  let res;
  try {
    res = await fetch(url, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new Error(`${method} ${url}: ${error.message} (is the stack running? npm start)`, {
      cause: error,
    });
  }
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url} answered ${res.status}: ${text}`);
  return JSON.parse(text);
}

async function joinTokenCommand(args) {
  const json = args.includes('--json');
  const [displayName, roomArg] = args.filter((a) => a !== '--json');
  if (!displayName) {
    process.stderr.write(
      'usage: node scripts/dev-stack.mjs join-token NAME [ROOM_ID] [--json]\n' +
        '  signs NAME in (development sign-in, tenant "dev"), creates a room unless ROOM_ID is\n' +
        '  given, and prints a join token with the join, publish and subscribe grants.\n',
    );
    process.exit(2);
  }
  try {
    const session = await api('POST', `${identityUrl}/auth/dev`, {
      tenant: devTenant,
      displayName,
    });
    const roomId =
      roomArg ??
      (
        await api(
          'POST',
          `${roomsUrl}/rooms`,
          { title: `${displayName}'s room`, language: 'en' },
          session.accessToken,
        )
      ).id;
    const { token, expiresAt } = await api(
      'POST',
      `${identityUrl}/join-tokens`,
      { grants: { room: roomId, join: true, publish: true, subscribe: true, admin: false } },
      session.accessToken,
    );
    const result = {
      token,
      expiresAt,
      roomId,
      userId: session.user.id,
      tenant: devTenant,
      gateways: gatewayUrls,
    };
    if (json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return;
    }
    process.stdout.write(
      `room     ${roomId}${roomArg ? '' : ` (created; others join it with: node scripts/dev-stack.mjs join-token NAME ${roomId})`}\n` +
        `user     ${result.userId} (${displayName}, tenant ${devTenant})\n` +
        `gateways ${gatewayUrls.join('  ')}\n` +
        `expires  ${expiresAt}\n` +
        `token    ${token}\n`,
    );
  } catch (error) {
    process.stderr.write(`join-token: ${error.message}\n`);
    process.exit(1);
  }
}

// ── the stack ─────────────────────────────────────────────────────────────────────────────

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
if (turn?.missing)
  say(
    paint(
      33,
      'no TURN: `turnserver` is not installed (Debian: apt-get install coturn; npm run bootstrap does it as root)',
    ),
  );
services.forEach(start);
const notReady = await waitUntilReady();
if (stopping) {
  // stopped while starting
} else if (notReady.length > 0) {
  say(paint(31, `not ready after 90 s: ${notReady.join(', ')} (see their /readyz); stopping`));
  stop(1);
} else {
  const media = (n) => {
    const first = mediaBase + 100 * (n - 1);
    return workersPerNode === 1 ? `${first}` : `${first}-${first + workersPerNode - 1}`;
  };
  allReady = true;
  say(paint(32, `Cascade is running (${services.length} services). Press Ctrl-C to stop.`));
  for (const s of services.filter((s) => !['web', 'turn', 'nats'].includes(s.name)))
    say(`  ${s.name.padEnd(width)}  http://127.0.0.1:${s.port}  (/healthz /readyz /metrics)`);
  say(
    `  NATS ${shared.NATS_URL} (subjects ${shared.NATS_SUBJECT_PREFIX}.*), Redis ${redis.REDIS_URL}`,
  );
  if (nats)
    say(
      `  NATS users: one per service, each allowed only its subjects (deploy/nats/cascade-users.conf);` +
        ` passwords in ${relative(root, join(root, '.cascade', `nats-${natsPort}.env`))}`,
    );
  say(paint(32, `  Open the app: ${webUrl}  (sign in with any name; development sign-in)`));
  say(`  signaling (Socket.IO, path /socket.io): ${gatewayUrls.join('  ')}`);
  say(`  media: sfu-node-1 UDP/TCP ${media(1)}, sfu-node-2 UDP/TCP ${media(2)} on 127.0.0.1`);
  if (turn && !turn.missing)
    say(
      `  TURN: turn:127.0.0.1:${turnPort} (UDP and TCP), turns:127.0.0.1:${turnTlsPort} (TLS, self-signed);` +
        ' per-session credentials from the gateways',
    );
  say(`  sign in (development, tenant "${devTenant}"): ${identityUrl}/auth/dev`);
  say(`  API docs: ${identityUrl}/docs  ${roomsUrl}/docs`);
  say(`  a join token: node scripts/dev-stack.mjs join-token Alice   (README: "Try a call")`);
  say(
    `  SFU nodes and rooms: ${nats ? `set -a; . .cascade/nats-${natsPort}.env; set +a; ` : ''}` +
      'npm run admin -w @cascade/sfu-orchestrator -- nodes',
  );
}
