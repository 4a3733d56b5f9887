#!/usr/bin/env node
// Checks one service image's application tree (what the image has under /app): the Dockerfile
// runs it on the assembled tree before the runtime stage, and check-images.mjs runs it on the
// same tree built outside Docker.
//
//   node tools/images/check-tree.mjs <app dir> <service>
//
// Fails (exit 1, every problem listed) when:
//   - a package that belongs in no service image is installed (build and test tools, the web
//     app's React/Vite, WebRTC test clients, other workspaces), or mediasoup outside sfu-node,
//     or another service's workspace;
//   - mediasoup is missing from sfu-node;
//   - a module that the service's or its workspace packages' compiled code requires does not
//     resolve from the file that requires it (every `require('…')` and `import('…')` in their
//     dist/ is resolved, not only what main.js loads first);
//   - `node dist/main.js`, started with an empty environment, fails for any other reason than
//     its configuration (it must get as far as validating the environment and name the missing
//     variables), or fails to load a module.
// Prints the number of installed packages and the size of node_modules.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, readdirSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SERVICES = ['gateway', 'identity', 'rooms', 'sfu-orchestrator', 'sfu-node'];

/** Packages that no service image may carry: build, test and browser-side tooling. */
export const FORBIDDEN = [
  /^@cascade\/(testing|client|web)$/,
  /^react(-dom)?$/,
  /^vite$/,
  /^@vitejs\//,
  /^vitest$/,
  /^@roamhq\//,
  /^mediasoup-client$/,
  /^testcontainers$/,
  /^jest$/,
  /^@jest\//,
  /^@swc\//,
  /^typescript$/,
  /^turbo$/,
  /^eslint$/,
  /^prettier$/,
  /^prisma$/,
  /^playwright$/,
  /^@playwright\//,
];

/** Walks node_modules (nested ones too) and returns every installed package: name, path, version. */
export function installedPackages(appDir) {
  const found = [];
  const visit = (nodeModules) => {
    if (!existsSync(nodeModules)) return;
    for (const entry of readdirSync(nodeModules)) {
      if (entry.startsWith('.')) continue;
      const path = join(nodeModules, entry);
      if (entry.startsWith('@')) {
        for (const scoped of readdirSync(path))
          addPackage(`${entry}/${scoped}`, join(path, scoped));
      } else addPackage(entry, path);
    }
  };
  const addPackage = (name, path) => {
    const link = lstatSync(path).isSymbolicLink();
    let version;
    try {
      version = JSON.parse(readFileSync(join(path, 'package.json'), 'utf8')).version;
    } catch {
      version = undefined;
    }
    found.push({ name, path: relative(appDir, path), version, link });
    if (!link) visit(join(path, 'node_modules'));
  };
  visit(join(appDir, 'node_modules'));
  return found;
}

/** Bytes on disk under a directory, symbolic links not followed (workspace links count 0). */
export function sizeOf(dir) {
  let total = 0;
  const stat = lstatSync(dir);
  if (stat.isSymbolicLink()) return 0;
  if (!stat.isDirectory()) return stat.size;
  for (const entry of readdirSync(dir)) total += sizeOf(join(dir, entry));
  return total;
}

const BUILTINS = new Set(builtinModules);
const isBuiltin = (spec) => spec.startsWith('node:') || BUILTINS.has(spec.split('/')[0]);

function jsFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return jsFiles(path);
    return /\.(c?js)$/.test(e.name) ? [path] : [];
  });
}

/** Every module specifier that compiled code requires or imports that does not resolve. */
export function unresolvedImports(appDir, workspaceDirs) {
  const problems = [];
  for (const ws of workspaceDirs) {
    for (const file of jsFiles(join(appDir, ws, 'dist'))) {
      const text = readFileSync(file, 'utf8');
      const requireFrom = createRequire(file);
      const specs = new Set();
      for (const m of text.matchAll(/\brequire\(\s*(["'])([^"'\n]+)\1\s*\)/g)) specs.add(m[2]);
      for (const m of text.matchAll(/\bimport\(\s*(["'])([^"'\n]+)\1\s*\)/g)) specs.add(m[2]);
      for (const spec of specs) {
        if (isBuiltin(spec)) continue;
        try {
          requireFrom.resolve(spec);
        } catch {
          problems.push(`${relative(appDir, file)}: cannot resolve '${spec}'`);
        }
      }
    }
  }
  return problems;
}

/** The workspaces in the tree (from its root package.json), relative directories. */
export function workspacesOf(appDir) {
  const root = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8'));
  return Array.isArray(root.workspaces) ? root.workspaces : [];
}

/** Starts `node dist/main.js` with an empty environment; it must stop on its configuration. */
export function bootProblem(appDir, service) {
  const cwd = join(appDir, 'services', service);
  const run = spawnSync(process.execPath, ['dist/main.js'], {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_ENV: 'production' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
  if (/MODULE_NOT_FOUND|Cannot find module|ERR_MODULE_NOT_FOUND/.test(output)) {
    return `node dist/main.js failed to load a module: ${output.slice(0, 2000)}`;
  }
  if (run.status === 0 || !output.includes(`invalid configuration for ${service}`)) {
    return `node dist/main.js did not stop on its configuration (exit ${run.status ?? run.signal}): ${output.slice(0, 2000)}`;
  }
  return undefined;
}

/** All checks of one service's tree; returns its problems and figures. */
export function checkTree(appDir, service) {
  const problems = [];
  if (!SERVICES.includes(service)) return { problems: [`unknown service ${service}`] };
  const packages = installedPackages(appDir);
  const workspaces = workspacesOf(appDir);
  for (const p of packages) {
    if (FORBIDDEN.some((re) => re.test(p.name)))
      problems.push(`${p.path}: ${p.name} belongs in no service image`);
    if (p.name === 'mediasoup' && service !== 'sfu-node')
      problems.push(`${p.path}: mediasoup outside the sfu-node image`);
    const other = /^@cascade\/(.+)$/.exec(p.name)?.[1];
    if (other && other !== service && SERVICES.includes(other))
      problems.push(`${p.path}: another service's workspace`);
  }
  if (service === 'sfu-node' && !packages.some((p) => p.name === 'mediasoup'))
    problems.push('mediasoup is missing from sfu-node');
  if (!workspaces.includes(`services/${service}`))
    problems.push(`services/${service} is not a workspace of the tree`);
  for (const ws of workspaces) {
    if (!existsSync(join(appDir, ws, 'dist')))
      problems.push(`${ws} has no dist/ (not built, or not copied)`);
  }
  problems.push(...unresolvedImports(appDir, workspaces));
  const boot = bootProblem(appDir, service);
  if (boot) problems.push(boot);
  return {
    problems,
    packages: packages.filter((p) => !p.link).length,
    nodeModulesBytes: sizeOf(join(appDir, 'node_modules')),
    appBytes: sizeOf(appDir),
    workspaces,
  };
}

if (resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  const [appDir, service] = process.argv.slice(2);
  if (!appDir || !service) {
    console.error('usage: check-tree.mjs <app dir> <service>');
    process.exit(1);
  }
  const result = checkTree(resolve(appDir), service);
  for (const problem of result.problems) console.error(`${service}: ${problem}`);
  if (result.problems.length > 0) process.exit(1);
  console.log(
    `${service}: ${result.packages} packages, node_modules ${(result.nodeModulesBytes / 1e6).toFixed(1)} MB, workspaces ${result.workspaces.join(' ')}: ok`,
  );
}
