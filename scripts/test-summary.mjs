// Prints the totals that scripts/jest-results-reporter.js (and the web app's Vitest and
// Playwright reporters) recorded in every workspace, then
// each failed test with the first lines of its error, then "N passed, N failed, N skipped"
// (last, so that the tail of a CI log says what failed). Exits 1 when a test failed or none ran.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = process.argv[2] ?? process.cwd();
const runs = [];
for (const group of ['packages', 'services', 'apps', 'tools']) {
  if (!existsSync(join(root, group))) continue;
  for (const workspace of readdirSync(join(root, group))) {
    const dir = join(root, group, workspace, '.test-results');
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      runs.push(JSON.parse(readFileSync(join(dir, f), 'utf8')));
    }
  }
}
const total = { passed: 0, failed: 0, skipped: 0 };
const failures = [];
console.log('');
for (const run of runs.sort((a, b) =>
  `${a.workspace}/${a.project}`.localeCompare(`${b.workspace}/${b.project}`),
)) {
  console.log(
    `  ${`${run.workspace} (${run.project})`.padEnd(40)} ${run.passed} passed, ${run.failed} failed`,
  );
  for (const k of Object.keys(total)) total[k] += run[k];
  for (const f of run.failures ?? [])
    failures.push({ where: `${run.workspace} (${run.project})`, ...f });
}
if (failures.length > 0) {
  console.log('');
  console.log('failed:');
  for (const f of failures) {
    console.log(`  ✕ ${f.where} ${f.test}`);
    for (const line of String(f.message ?? '').split('\n')) console.log(`      ${line}`);
  }
}
console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(total.failed > 0 || total.passed === 0 ? 1 : 0);
