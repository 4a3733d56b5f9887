// The import graph of TypeScript files and its cycles, for scripts/check-import-cycles.mjs (the
// CLI). The repo has no eslint-plugin-import; this reads imports with TypeScript's own
// pre-processor (no type checking), resolves the relative ones, and finds every strongly
// connected group (type-only imports count: a circle of types is still two files that cannot
// be read apart).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const ts = createRequire(import.meta.url)('typescript');

/** Every .ts/.tsx file under `dir` (skipping node_modules and dist). */
function filesUnder(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...filesUnder(full));
    else if (/\.tsx?$/.test(name) && !name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

function resolve(from, specifier) {
  if (!specifier.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), specifier.replace(/\.js$/, ''));
  for (const candidate of [`${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')])
    if (existsSync(candidate)) return candidate;
  return undefined;
}

/** The import graph: file -> files it imports (relative imports only). */
export function importGraph(dirs) {
  const graph = new Map();
  for (const file of dirs.flatMap((d) => filesUnder(path.resolve(d)))) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    graph.set(
      file,
      importedFiles.map((i) => resolve(file, i.fileName)).filter((f) => f !== undefined),
    );
  }
  return graph;
}

/** Groups of files that reach each other (Tarjan's strongly connected components). */
export function cycles(graph) {
  let index = 0;
  const indexes = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  const visit = (v) => {
    indexes.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!indexes.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), indexes.get(w)));
    }
    if (low.get(v) !== indexes.get(v)) return;
    const group = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      group.push(w);
    } while (w !== v);
    if (group.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(group.sort());
  };
  for (const v of graph.keys()) if (!indexes.has(v)) visit(v);
  return found;
}
