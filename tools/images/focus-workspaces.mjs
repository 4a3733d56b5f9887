#!/usr/bin/env node
// Narrows a `turbo prune <service> --docker` tree (its json/ directory: package.json,
// package-lock.json and the workspaces' package.json files) to what the service needs in
// production, so that `npm ci --omit=dev` there installs only the service's production
// dependencies.
//
// Why this is needed: in an npm workspaces project every workspace is a dependency of the root
// project, so `--omit=dev` never omits a workspace, nor the `dependencies` of one. turbo prune
// keeps the workspaces a service needs to be built and tested, its devDependencies included
// (@cascade/testing, @cascade/client), and their dependencies (@roamhq/wrtc, testcontainers,
// mediasoup-client, …) were then installed into every image. `npm ci -w <service>` does not help:
// the workspace filter follows the workspace's dev edges as well.
//
// What it does, in place: keeps the workspaces reachable from the service through
// `dependencies` (and optional and peer ones) only, drops the others from the root's
// `workspaces` and from disk, and removes every `devDependencies` (root and kept workspaces) from
// the package.json files and from the lockfile's entries for them. The lockfile's other entries
// are untouched: `npm ci` installs from them the packages that the remaining manifests need, at
// their locked versions, and leaves the rest out.
//
//   node tools/images/focus-workspaces.mjs <dir> <package name, e.g. @cascade/gateway>
//
// Prints the kept workspaces. Exit 1 (with the reason) on a bad argument or tree.
import { readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const [dir, target] = process.argv.slice(2);
if (!dir || !target) fail('usage: focus-workspaces.mjs <pruned json dir> <workspace package name>');

const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));
const writeJson = (path, value) => writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);

const rootPath = join(dir, 'package.json');
const lockPath = join(dir, 'package-lock.json');
if (!existsSync(rootPath) || !existsSync(lockPath))
  fail(`${dir} has no package.json and package-lock.json`);
const root = readJson(rootPath);
const lock = readJson(lockPath);
if (!Array.isArray(root.workspaces))
  fail(`${rootPath} lists no workspaces (run turbo prune first)`);

/** Workspace package name → its directory (relative, as in the lockfile). */
const byName = new Map();
for (const ws of root.workspaces) {
  if (ws.includes('*')) fail(`workspace pattern ${ws}: expected turbo prune's explicit list`);
  byName.set(readJson(join(dir, ws, 'package.json')).name, ws);
}
if (!byName.has(target))
  fail(`${target} is not a workspace of ${dir} (${[...byName.keys()].join(', ')})`);

const productionEdges = (pkg) =>
  Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.peerDependencies });

const keep = new Set();
const queue = [target];
while (queue.length > 0) {
  const name = queue.pop();
  if (keep.has(name)) continue;
  keep.add(name);
  const pkg = readJson(join(dir, byName.get(name), 'package.json'));
  for (const dep of productionEdges(pkg)) if (byName.has(dep)) queue.push(dep);
}

const keptDirs = root.workspaces.filter((ws) =>
  keep.has(readJson(join(dir, ws, 'package.json')).name),
);
const droppedDirs = root.workspaces.filter((ws) => !keptDirs.includes(ws));

root.workspaces = keptDirs;
delete root.devDependencies;
writeJson(rootPath, root);
for (const ws of keptDirs) {
  const path = join(dir, ws, 'package.json');
  const pkg = readJson(path);
  delete pkg.devDependencies;
  writeJson(path, pkg);
}
for (const ws of droppedDirs) rmSync(join(dir, ws), { recursive: true, force: true });

const entries = lock.packages ?? fail(`${lockPath} is not a lockfile v2/v3 (no "packages")`);
if (entries['']) {
  entries[''].workspaces = keptDirs;
  delete entries[''].devDependencies;
}
for (const ws of keptDirs) if (entries[ws]) delete entries[ws].devDependencies;
for (const [name, ws] of byName) {
  if (keep.has(name)) continue;
  delete entries[ws];
  delete entries[`node_modules/${name}`];
}
writeJson(lockPath, lock);

console.log(keptDirs.join('\n'));

function fail(message) {
  console.error(`focus-workspaces: ${message}`);
  process.exit(1);
}
