import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { REPO } from './kustomize';

/**
 * The two steps of the service images that decide what an image carries (the Dockerfile runs
 * both; tools/images/check-images.mjs runs them on real installs, test/images.int.test.ts):
 * focus-workspaces.mjs, which narrows a turbo-pruned tree to the service's production
 * workspaces, and check-tree.mjs, which refuses a tree with a foreign package, an unresolved
 * import or a service that does not start as far as its configuration. Here on small trees made
 * for the purpose, so that each refusal is seen to happen.
 */
const FOCUS = join(REPO, 'tools/images/focus-workspaces.mjs');
const CHECK = join(REPO, 'tools/images/check-tree.mjs');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cascade-image-tree-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(path: string, content: unknown): void {
  mkdirSync(dirname(join(dir, path)), { recursive: true });
  writeFileSync(
    join(dir, path),
    typeof content === 'string' ? content : JSON.stringify(content, null, 2),
  );
}
const read = (path: string) => JSON.parse(readFileSync(join(dir, path), 'utf8')) as never;
const node = (...args: string[]) =>
  spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 30_000 });

describe('focus-workspaces.mjs', () => {
  beforeEach(() => {
    // As turbo prune writes it: the service, a production workspace, a dev-only one.
    write('package.json', {
      name: 'cascade',
      workspaces: ['packages/kit', 'packages/testing', 'services/gateway'],
      devDependencies: { turbo: '2.0.0' },
    });
    write('services/gateway/package.json', {
      name: '@cascade/gateway',
      dependencies: { '@cascade/kit': '*', zod: '^4' },
      devDependencies: { '@cascade/testing': '*', jest: '^30' },
    });
    write('packages/kit/package.json', { name: '@cascade/kit', dependencies: { pino: '^9' } });
    write('packages/testing/package.json', {
      name: '@cascade/testing',
      dependencies: { '@roamhq/wrtc': '0.10.0' },
    });
    write('package-lock.json', {
      lockfileVersion: 3,
      packages: {
        '': {
          name: 'cascade',
          workspaces: ['packages/kit', 'packages/testing', 'services/gateway'],
          devDependencies: { turbo: '2.0.0' },
        },
        'services/gateway': {
          name: '@cascade/gateway',
          dependencies: { '@cascade/kit': '*', zod: '^4' },
          devDependencies: { '@cascade/testing': '*', jest: '^30' },
        },
        'packages/kit': { name: '@cascade/kit', dependencies: { pino: '^9' } },
        'packages/testing': {
          name: '@cascade/testing',
          dependencies: { '@roamhq/wrtc': '0.10.0' },
        },
        'node_modules/@cascade/gateway': { resolved: 'services/gateway', link: true },
        'node_modules/@cascade/kit': { resolved: 'packages/kit', link: true },
        'node_modules/@cascade/testing': { resolved: 'packages/testing', link: true },
        'node_modules/@roamhq/wrtc': { version: '0.10.0' },
        'node_modules/zod': { version: '4.0.0' },
      },
    });
  });

  it('keeps the service and its production workspaces, without any devDependencies', () => {
    const run = node(FOCUS, dir, '@cascade/gateway');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const root = read('package.json') as { workspaces: string[]; devDependencies?: object };
    expect(root.workspaces).toEqual(['packages/kit', 'services/gateway']);
    expect(root.devDependencies).toBeUndefined();
    expect(existsSync(join(dir, 'packages/testing'))).toBe(false);
    const gateway = read('services/gateway/package.json') as { devDependencies?: object };
    expect(gateway.devDependencies).toBeUndefined();

    const lock = (read('package-lock.json') as { packages: Record<string, object> }).packages;
    expect(lock['']).toEqual({ name: 'cascade', workspaces: ['packages/kit', 'services/gateway'] });
    expect(lock['services/gateway']).not.toHaveProperty('devDependencies');
    expect(lock['packages/testing']).toBeUndefined();
    expect(lock['node_modules/@cascade/testing']).toBeUndefined();
    // Third-party entries stay: npm ci installs those the remaining manifests need.
    expect(lock['node_modules/zod']).toEqual({ version: '4.0.0' });
  });

  it('refuses a package that is not a workspace of the tree, and a tree without a list', () => {
    expect(node(FOCUS, dir, '@cascade/rooms').stderr).toMatch(/not a workspace/);
    write('package.json', { name: 'cascade', workspaces: ['services/*'] });
    const run = node(FOCUS, dir, '@cascade/gateway');
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/explicit list/);
  });
});

describe('check-tree.mjs', () => {
  beforeEach(() => {
    write('package.json', { name: 'cascade', workspaces: ['services/gateway'] });
    write('services/gateway/package.json', { name: '@cascade/gateway' });
    // Loads its dependency, then stops on its configuration as the services do.
    write(
      'services/gateway/dist/main.js',
      "require('zod');\nconsole.log('invalid configuration for gateway: NATS_URL is required');\nprocess.exit(1);\n",
    );
    write('node_modules/zod/package.json', { name: 'zod', version: '4.0.0', main: 'index.js' });
    write('node_modules/zod/index.js', 'module.exports = {};\n');
  });
  const check = () => node(CHECK, dir, 'gateway');

  it('passes a tree with only what the service needs, and reports its size', () => {
    const run = check();
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^gateway: 1 packages, node_modules 0\.0 MB, .*: ok$/m);
  });

  it('refuses test and browser packages, mediasoup outside sfu-node, another service', () => {
    for (const name of ['@roamhq/wrtc', 'react', 'vite', 'mediasoup', '@cascade/rooms'])
      write(`node_modules/${name}/package.json`, { name, version: '1.0.0' });
    const run = check();
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/@roamhq\/wrtc belongs in no service image/);
    expect(run.stderr).toMatch(/react belongs in no service image/);
    expect(run.stderr).toMatch(/vite belongs in no service image/);
    expect(run.stderr).toMatch(/mediasoup outside the sfu-node image/);
    expect(run.stderr).toMatch(/@cascade\/rooms: another service's workspace/);
  });

  it('refuses compiled code that requires a module the tree does not have', () => {
    write('services/gateway/dist/later.js', "exports.load = () => require('ioredis');\n");
    const run = check();
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/services\/gateway\/dist\/later\.js: cannot resolve 'ioredis'/);
  });

  it('refuses a service that does not get as far as its configuration', () => {
    write('services/gateway/dist/main.js', "require('./missing');\n");
    expect(check().stderr).toMatch(/failed to load a module/);
    write('services/gateway/dist/main.js', 'process.exit(0);\n');
    expect(check().stderr).toMatch(/did not stop on its configuration/);
  });
});

/** The Dockerfile, read as stages (no hadolint or container engine here). */
describe('the Dockerfile', () => {
  const text = readFileSync(join(REPO, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const stages = new Map<string, string>();
  for (const block of text.split(/^(?=FROM )/m).slice(1)) {
    const name = /^FROM \S+ AS (\S+)/.exec(block)?.[1];
    if (name) stages.set(name, block);
  }
  const arg = (name: string) => new RegExp(`^ARG ${name}=(\\S+)$`, 'm').exec(text)?.[1];

  it('builds on a current Node LTS, Debian bookworm, by pinned tags', () => {
    expect(arg('NODE_IMAGE')).toBe('node:24-bookworm');
    expect(arg('NODE_RUNTIME_IMAGE')).toBe('node:24-bookworm-slim');
    expect(arg('NGINX_IMAGE')).toMatch(/^nginxinc\/nginx-unprivileged:\d+\.\d+/);
    expect(text).not.toMatch(/:latest\b/);
  });

  it('installs each service image’s production dependencies from its focused, pruned tree', () => {
    expect(stages.get('prune')).toMatch(/turbo@.*prune "@cascade\/\$\{SERVICE\}" --docker/);
    expect(stages.get('prune')).toMatch(
      /focus-workspaces\.mjs \/pruned\/prod "@cascade\/\$\{SERVICE\}"/,
    );
    expect(stages.get('prod-deps')).toMatch(/COPY --from=prune \/pruned\/prod\//);
    expect(stages.get('prod-deps')).toMatch(/npm ci --omit=dev/);
    expect(stages.get('build')).toMatch(/COPY --from=prod-deps \/app\/ \/out\/app\//);
    expect(stages.get('build')).toMatch(/node \/tools\/check-tree\.mjs \/out\/app "\$\{SERVICE\}"/);
  });

  it('puts the mediasoup worker into the sfu-node image only, and runs as a non-root user', () => {
    const build = stages.get('build') ?? '';
    expect(build).toMatch(
      /if \[ "\$\{SERVICE\}" = sfu-node \]; then\s+bin="\$\(bash tools\/mediasoup-worker\/ensure-worker\.sh\)"/,
    );
    const runtime = stages.get('runtime') ?? '';
    expect(runtime).toMatch(/^FROM \$\{NODE_RUNTIME_IMAGE\} AS runtime/);
    expect([...runtime.matchAll(/^USER (\S+)$/gm)].map((m) => m[1]).at(-1)).toBe('node');
    expect([...(stages.get('web') ?? '').matchAll(/^USER (\S+)$/gm)].map((m) => m[1]).at(-1)).toBe(
      '101',
    );
    // `runtime` is the last stage: a build without --target is a service image.
    expect([...stages.keys()].at(-1)).toBe('runtime');
  });
});
