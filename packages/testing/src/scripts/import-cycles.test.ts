import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPTS = path.resolve(__dirname, '../../../../scripts');

/** Runs the check (a copy of it under `scriptDir`, as `node <script> src` in `cwd`). */
async function check(
  scriptDir: string,
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [path.join(scriptDir, 'check-import-cycles.mjs'), 'src'],
      { cwd },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

function writeFiles(root: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(root, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
}

describe('scripts/check-import-cycles.mjs', () => {
  let root: string;

  beforeEach(() => {
    // A path that needs URL escaping (space, %, non-ASCII): the old main-module guard
    // compared `file://${argv[1]}` with import.meta.url and skipped the check for it.
    root = mkdtempSync(path.join(tmpdir(), 'cycles 100% é-'));
    // The script resolves `typescript` from its own folder: copy it where the repo's
    // node_modules are found (the repo's scripts/ folder is the parent of node_modules).
    mkdirSync(path.join(root, 'repo'));
    cpSync(SCRIPTS, path.join(root, 'repo/scripts'), { recursive: true });
    symlinkSync(path.resolve(SCRIPTS, '../node_modules'), path.join(root, 'repo/node_modules'));
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('fails on a cycle, type-only imports included, from a path that needs escaping', async () => {
    const work = path.join(root, 'work');
    writeFiles(work, {
      'src/a.ts': "import { b } from './b';\nexport const a = b;\n",
      'src/b.ts': "import type { C } from './c/index.js';\nexport const b: C = 1;\n",
      'src/c/index.ts': "import { a } from '../a';\nexport type C = typeof a;\n",
      'src/d.ts': "import { a } from './a';\nexport const d = a;\n",
    });
    const result = await check(path.join(root, 'repo/scripts'), work);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('import cycle: src/a.ts <-> src/b.ts <-> src/c/index.ts');
    expect(result.stderr).not.toContain('d.ts');
  });

  it('fails on a cycle when run through a symlink', async () => {
    const work = path.join(root, 'work');
    writeFiles(work, {
      'src/a.ts': "import { b } from './b';\nexport const a = 1;\n",
      'src/b.ts': "import { a } from './a';\nexport const b = a;\n",
    });
    symlinkSync(path.join(root, 'repo/scripts'), path.join(root, 'linked-scripts'));
    const result = await check(path.join(root, 'linked-scripts'), work);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('import cycle: src/a.ts <-> src/b.ts');
  });

  it('passes files without a cycle, and says how many it read', async () => {
    const work = path.join(root, 'work');
    writeFiles(work, {
      'src/a.ts': "import { b } from './b';\nexport const a = b;\n",
      'src/b.ts': 'export const b = 1;\n',
      'src/b.test.ts': "import { a } from './a';\nimport { b } from './b';\nvoid [a, b];\n",
    });
    const result = await check(path.join(root, 'repo/scripts'), work);
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toContain('no import cycle among 3 files under src');
  });

  it('refuses a folder that does not exist', async () => {
    const work = path.join(root, 'work');
    mkdirSync(work);
    const result = await check(path.join(root, 'repo/scripts'), work);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no such folder: src');
  });
});
