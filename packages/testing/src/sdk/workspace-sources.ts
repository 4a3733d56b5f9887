/**
 * Imported first by bot processes: when the process runs TypeScript sources (through
 * `run-ts.js`, as under Jest), the workspace packages it uses resolve to their sources too, as
 * Jest's module mapper does for the test process, so a bot never runs a stale build of the SDK.
 * A built bot (plain JavaScript) loads the built packages as usual.
 */
import { existsSync } from 'node:fs';
import Module from 'node:module';
import { join } from 'node:path';

const PACKAGES = join(__dirname, '../../..');
const WORKSPACE_PACKAGE = /^@cascade\/(contracts|client)$/;

type Resolve = (request: string, ...rest: unknown[]) => string;
const loader = Module as unknown as { _resolveFilename: Resolve };

if (require.extensions['.ts'] && __filename.endsWith('.ts')) {
  const resolve = loader._resolveFilename;
  loader._resolveFilename = function (this: unknown, request, ...rest) {
    const name = WORKSPACE_PACKAGE.exec(request)?.[1];
    const source = name === undefined ? undefined : join(PACKAGES, name, 'src', 'index.ts');
    return source !== undefined && existsSync(source)
      ? source
      : resolve.call(this, request, ...rest);
  };
}
