#!/usr/bin/env node
// The service images' dependency trees, built outside Docker by the Dockerfile's own steps and
// checked: there is no container engine in CI, so this is how "one image per service, only its
// production dependencies" is proven.
//
//   node tools/images/check-images.mjs [--build] [service …]
//
// Default: all five services, with the dist/ of this checkout (built first by turbo, a cache hit
// when current).
// --build also runs the Dockerfile's `build` stage: `npm ci` of the pruned tree (its dev
// dependencies too), tsconfig.base.json beside it, `turbo run build` there, and checks the dist/
// compiled in the pruned tree instead (slower: a minute or more per service).
//
// For each service, in a temporary directory:
//   1. `turbo prune @cascade/<service> --docker` (the Dockerfile's `prune` stage),
//   2. tools/images/focus-workspaces.mjs on a copy of its json/ tree, then `npm ci --omit=dev`
//      (the `prod-deps` stage),
//   3. the compiled dist/ (and Prisma migrations) of the kept workspaces copied in from this
//      checkout (the `build` stage compiles the same sources in the image),
//   4. tools/images/check-tree.mjs's checks (the Dockerfile runs them too), and every installed
//      package at the version the repository's lockfile has at the same place.
// Prints a table: service, packages, node_modules size. Exit 1 when any check fails.
// CASCADE_IMAGES_KEEP=1 keeps the temporary trees (their path is printed).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { SERVICES, checkTree, installedPackages } from './check-tree.mjs';

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));

const args = process.argv.slice(2);
const build = args.includes('--build');
const services = args.filter((a) => a !== '--build');
for (const s of services) {
  if (!SERVICES.includes(s)) fail(`unknown service '${s}' (${SERVICES.join(', ')})`);
}
const selected = services.length > 0 ? services : SERVICES;

const work = mkdtempSync(join(tmpdir(), 'cascade-images-'));
const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')).packages;
const results = [];
let failed = false;
try {
  for (const service of selected) {
    const started = Date.now();
    const out = join(work, service);
    run('npx', ['turbo', 'prune', `@cascade/${service}`, '--docker', '--out-dir', out], REPO);
    const app = join(out, 'prod');
    cpSync(join(out, 'json'), app, { recursive: true });
    run(
      process.execPath,
      [join(REPO, 'tools/images/focus-workspaces.mjs'), app, `@cascade/${service}`],
      REPO,
    );
    run(
      'npm',
      ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'],
      app,
    );
    let source = REPO;
    if (!build) {
      // This checkout's dist/, current (a turbo cache hit when already built).
      run(
        'npx',
        ['turbo', 'run', 'build', `--filter=@cascade/${service}...`, '--output-logs=errors-only'],
        REPO,
      );
    } else {
      // The build stage: the pruned manifests, npm ci, the pruned sources, turbo build.
      source = join(out, 'build');
      cpSync(join(out, 'json'), source, { recursive: true });
      run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], source);
      cpSync(join(out, 'full'), source, { recursive: true });
      cpSync(join(REPO, 'tsconfig.base.json'), join(source, 'tsconfig.base.json'));
      run('npx', ['turbo', 'run', 'build', `--filter=@cascade/${service}...`], source);
    }
    const problems = [];
    for (const ws of JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')).workspaces) {
      for (const dir of ['dist', 'prisma']) {
        if (existsSync(join(source, ws, dir)))
          cpSync(join(source, ws, dir), join(app, ws, dir), { recursive: true });
      }
    }
    const result = checkTree(app, service);
    problems.push(...result.problems);
    for (const p of installedPackages(app)) {
      if (p.link) continue;
      const locked = lock[p.path]?.version;
      if (locked !== p.version)
        problems.push(`${p.path}: ${p.version}, the lockfile has ${locked ?? 'nothing there'}`);
    }
    for (const problem of problems) console.error(`${service}: ${problem}`);
    failed ||= problems.length > 0;
    results.push({
      service,
      ok: problems.length === 0,
      packages: result.packages,
      mb: ((result.nodeModulesBytes ?? 0) / 1e6).toFixed(1),
      seconds: ((Date.now() - started) / 1000).toFixed(0),
    });
  }
} finally {
  if (process.env.CASCADE_IMAGES_KEEP === '1') console.log(`trees kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

console.log('| service | packages | node_modules (MB, file sizes) | check | seconds |');
console.log('| --- | --: | --: | --- | --: |');
for (const r of results)
  console.log(
    `| ${r.service} | ${r.packages} | ${r.mb} | ${r.ok ? 'ok' : 'FAILED'} | ${r.seconds} |`,
  );
process.exit(failed ? 1 : 0);

function run(command, args, cwd) {
  try {
    execFileSync(command, args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
    });
  } catch (error) {
    // Thrown, not exited: the `finally` above removes the temporary trees.
    console.error(
      `check-images: ${command} ${args.join(' ')} (in ${cwd}) failed:\n${error.stdout ?? ''}${error.stderr ?? error.message}`,
    );
    throw new Error(`${command} failed`);
  }
}

function fail(message) {
  console.error(`check-images: ${message}`);
  process.exit(1);
}
