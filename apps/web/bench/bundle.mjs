// The web app's first load: what the browser fetches for the lobby before any lazy chunk (the
// scripts, module preloads and stylesheets that dist/index.html names), gzipped at level 9 as a
// server would send them. Writes bench-results/web-bundle.{md,json}. Run after `vite build`.
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { readdirSync } from 'node:fs';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', 'dist');
const out = join(here, '..', '..', '..', 'bench-results');
const GOAL_KB = 200;

const html = readFileSync(join(dist, 'index.html'), 'utf8');
const first = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
const size = (file) => {
  const bytes = readFileSync(join(dist, file));
  return { file, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
};
const initial = [...new Set(first)].map(size);
const lazy = readdirSync(join(dist, 'assets'))
  .filter((f) => f.endsWith('.js') && !first.includes(`assets/${f}`))
  .map((f) => size(`assets/${f}`))
  .sort((a, b) => b.gzip - a.gzip);
const kb = (n) => (n / 1024).toFixed(1);
const total = initial.reduce((sum, f) => sum + f.gzip, 0);
const js = initial.filter((f) => f.file.endsWith('.js')).reduce((s, f) => s + f.gzip, 0);
const css = total - js;

const result = {
  date: new Date().toISOString(),
  conditions: { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model, gzipLevel: 9 },
  goalKb: GOAL_KB,
  initialGzipKb: Number(kb(total)),
  initialJsGzipKb: Number(kb(js)),
  initialCssGzipKb: Number(kb(css)),
  initial,
  lazy,
};
writeFileSync(join(out, 'web-bundle.json'), `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(
  join(out, 'web-bundle.md'),
  [
    '# Web app bundle: what the lobby loads first',
    '',
    `${result.date}; Node ${process.version}; gzip level 9. Goal: ≤ ${GOAL_KB} kB gzipped.`,
    '',
    `**First load: ${kb(total)} kB gzipped** (JavaScript ${kb(js)} kB, CSS ${kb(css)} kB) — ${total / 1024 <= GOAL_KB ? 'within' : 'over'} the goal.`,
    '',
    '| First load | raw kB | gzip kB |',
    '| --- | ---: | ---: |',
    ...initial.map((f) => `| ${f.file} | ${kb(f.raw)} | ${kb(f.gzip)} |`),
    '',
    'Loaded later, when needed (the call page brings mediasoup-client; the user connection Socket.IO):',
    '',
    '| Lazy chunk | raw kB | gzip kB |',
    '| --- | ---: | ---: |',
    ...lazy.map((f) => `| ${f.file} | ${kb(f.raw)} | ${kb(f.gzip)} |`),
    '',
  ].join('\n'),
);
process.stdout.write(`web bundle: first load ${kb(total)} kB gzipped (goal ${GOAL_KB} kB)\n`);
