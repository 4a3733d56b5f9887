// Runs a TypeScript module from this directory in a plain `node` process, compiled the way Jest
// compiles it (@swc/core, CommonJS):   node run-ts.js ./module.ts
const { readFileSync } = require('node:fs');
const { resolve } = require('node:path');
const { transformSync } = require('@swc/core');

require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, 'utf8'), {
    filename,
    sourceMaps: 'inline',
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};

require(resolve(process.argv[2]));
