#!/usr/bin/env node
// Fails when the Content-Security-Policy of nginx.conf (what compose and Kubernetes serve) is
// not exactly the one of src/app/security-headers.ts (what `vite preview` serves and the app is
// written for). Plain Node, no dependencies: it reads the TypeScript as text and evaluates only
// the string literals of `contentSecurityPolicy()`'s return expression, either
// `[ '…', '…' ].join('…')` or `'…'` (optionally `'…' + '…'`).
//
//   node apps/web/deploy/check-csp.mjs [path/to/security-headers.ts] [path/to/nginx.conf]
//
// Exit 0: identical. Exit 1: they differ, or nginx.conf sets no CSP. Exit 2: a file cannot be
// read or its CSP cannot be extracted.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const tsPath = process.argv[2] ?? here('../src/app/security-headers.ts');
const nginxPath = process.argv[3] ?? here('./nginx.conf');

class ExtractError extends Error {}

const say = (line) => process.stdout.write(`${line}\n`);
const complain = (line) => process.stderr.write(`${line}\n`);

/** A tiny tokenizer for the part of TypeScript we accept: strings, punctuation, identifiers. */
function tokenize(source, start) {
  const tokens = [];
  let i = start;
  while (i < source.length) {
    const c = source[i];
    if (/\s/.test(c)) {
      i += 1;
    } else if (source.startsWith('//', i)) {
      const end = source.indexOf('\n', i);
      i = end === -1 ? source.length : end + 1;
    } else if (source.startsWith('/*', i)) {
      const end = source.indexOf('*/', i + 2);
      if (end === -1) throw new ExtractError('unterminated comment');
      i = end + 2;
    } else if (c === "'" || c === '"' || c === '`') {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= source.length) throw new ExtractError('unterminated string literal');
        const d = source[j];
        if (d === c) break;
        if (c === '`' && d === '$' && source[j + 1] === '{') {
          throw new ExtractError('template literal with a substitution: cannot evaluate it');
        }
        if (d === '\\') {
          const e = source[j + 1];
          const escapes = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '`': '`' };
          if (!(e in escapes)) throw new ExtractError(`unsupported escape \\${e} in a string`);
          value += escapes[e];
          j += 2;
          continue;
        }
        if (d === '\n' && c !== '`') throw new ExtractError('newline in a string literal');
        value += d;
        j += 1;
      }
      tokens.push({ type: 'string', value });
      i = j + 1;
    } else if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z0-9_$]+/.exec(source.slice(i));
      tokens.push({ type: 'word', value: m[0] });
      i += m[0].length;
    } else {
      tokens.push({ type: 'punct', value: c });
      i += 1;
    }
    // The return expression ends at the first `;` or `}` (neither occurs between the literals).
    const last = tokens.at(-1);
    if (last?.type === 'punct' && (last.value === ';' || last.value === '}')) break;
  }
  return tokens;
}

/** The CSP string that `contentSecurityPolicy()` in security-headers.ts returns. */
function cspFromTypeScript(source) {
  const fn =
    /\bcontentSecurityPolicy\b\s*(?:=\s*(?:\([^)]*\)|[A-Za-z_$][\w$]*)\s*(?::[^=]*)?=>|\([^)]*\)\s*(?::\s*string\s*)?\{)/.exec(
      source,
    );
  if (!fn) throw new ExtractError('no function contentSecurityPolicy()');
  let from = fn.index + fn[0].length;
  // A block body (`function …() {` or `() => {`): evaluate its return statement.
  if (fn[0].endsWith('{') || /^\s*\{/.test(source.slice(from))) {
    const ret = /\breturn\b/.exec(source.slice(from));
    if (!ret) throw new ExtractError('contentSecurityPolicy() has no return statement');
    from += ret.index + ret[0].length;
  }
  const tokens = tokenize(source, from);
  let k = 0;
  const peek = () => tokens[k];
  const take = (type, value) => {
    const t = tokens[k];
    if (!t || t.type !== type || (value !== undefined && t.value !== value)) {
      const seen = t ? `${t.type} ${JSON.stringify(t.value)}` : 'the end';
      throw new ExtractError(`expected ${value ?? type} in contentSecurityPolicy(), found ${seen}`);
    }
    k += 1;
    return t.value;
  };
  // Optional parentheses around the whole expression.
  let parens = 0;
  while (peek()?.type === 'punct' && peek().value === '(') {
    take('punct', '(');
    parens += 1;
  }
  let csp;
  if (peek()?.type === 'punct' && peek().value === '[') {
    take('punct', '[');
    const parts = [];
    while (!(peek()?.type === 'punct' && peek().value === ']')) {
      parts.push(take('string'));
      if (peek()?.type === 'punct' && peek().value === ',') take('punct', ',');
      else if (!(peek()?.type === 'punct' && peek().value === ']')) take('punct', ']');
    }
    take('punct', ']');
    take('punct', '.');
    take('word', 'join');
    take('punct', '(');
    const separator = take('string');
    take('punct', ')');
    csp = parts.join(separator);
  } else {
    csp = take('string');
    while (peek()?.type === 'punct' && peek().value === '+') {
      take('punct', '+');
      csp += take('string');
    }
  }
  for (; parens > 0; parens -= 1) take('punct', ')');
  const end = peek();
  if (end && !(end.type === 'punct' && (end.value === ';' || end.value === '}'))) {
    throw new ExtractError(
      `contentSecurityPolicy() returns more than string literals (at ${JSON.stringify(end.value)})`,
    );
  }
  return csp;
}

/** Every Content-Security-Policy value that nginx.conf adds (comments ignored). */
function cspsFromNginx(source) {
  const lines = source.split('\n').map((line) => line.replace(/(^|\s)#.*$/, ''));
  const text = lines.join('\n');
  const found = [];
  const re =
    /\badd_header\s+(?:"Content-Security-Policy"|'Content-Security-Policy'|Content-Security-Policy)\s+("((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([^\s;]+))/gi;
  for (const m of text.matchAll(re)) {
    const raw = m[2] ?? m[3] ?? m[4];
    found.push(raw.replace(/\\(.)/g, '$1'));
  }
  if (/Content-Security-Policy-Report-Only/i.test(text)) {
    throw new ExtractError('nginx.conf sets Content-Security-Policy-Report-Only: not checked');
  }
  return found;
}

function directives(csp) {
  return csp
    .split(';')
    .map((d) => d.trim())
    .filter(Boolean);
}

function explain(expected, actual) {
  const want = directives(expected);
  const have = directives(actual);
  const lines = [];
  for (const d of want) if (!have.includes(d)) lines.push(`  missing in nginx.conf: ${d}`);
  for (const d of have) if (!want.includes(d)) lines.push(`  only in nginx.conf:    ${d}`);
  if (lines.length === 0) lines.push('  same directives, different order or spacing');
  return lines.join('\n');
}

function read(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ExtractError(`cannot read ${path}: ${error.message}`);
  }
}

try {
  const expected = cspFromTypeScript(read(tsPath));
  const actual = cspsFromNginx(read(nginxPath));
  if (actual.length === 0) {
    complain(`check-csp: ${nginxPath} sets no Content-Security-Policy header`);
    complain(`  expected: add_header Content-Security-Policy "${expected}" always;`);
    process.exit(1);
  }
  const wrong = actual.filter((csp) => csp !== expected);
  if (wrong.length > 0) {
    complain(`check-csp: the Content-Security-Policy of ${nginxPath} differs from ${tsPath}`);
    for (const csp of wrong) complain(explain(expected, csp));
    complain(`  expected: ${expected}`);
    for (const csp of wrong) complain(`  nginx:    ${csp}`);
    process.exit(1);
  }
  say(`check-csp: nginx.conf serves the app's Content-Security-Policy (${actual.length}×)`);
  process.exit(0);
} catch (error) {
  if (!(error instanceof ExtractError)) throw error;
  complain(`check-csp: ${error.message}`);
  process.exit(2);
}
