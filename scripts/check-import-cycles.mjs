#!/usr/bin/env node
// Fails when the TypeScript files under the given folders import each other in a circle
// (type-only imports count: a circle of types is still two files that cannot be read apart).
// Usage: node scripts/check-import-cycles.mjs src [more folders]. Run by workspaces' lint.
// No "am I the main module" guard: this file is only ever run, and such a guard (comparing
// import.meta.url with argv[1]) silently skipped the check for paths that need URL escaping or
// go through a symlink. A folder that does not exist is an error, not an empty pass.
import { existsSync } from 'node:fs';
import path from 'node:path';

import { cycles, importGraph } from './import-cycles.mjs';

const dirs = process.argv.slice(2);
if (dirs.length === 0) dirs.push('src');
const missing = dirs.filter((d) => !existsSync(d));
if (missing.length > 0) {
  console.error(`check-import-cycles: no such folder: ${missing.join(', ')}`);
  process.exit(2);
}
const graph = importGraph(dirs);
const found = cycles(graph);
if (found.length > 0) {
  for (const group of found)
    console.error(
      `import cycle: ${group.map((f) => path.relative(process.cwd(), f)).join(' <-> ')}`,
    );
  process.exit(1);
}
console.log(`no import cycle among ${graph.size} files under ${dirs.join(', ')}`);
