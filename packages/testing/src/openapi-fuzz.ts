import { ErrorEnvelope } from '@cascade/contracts';
import fc from 'fast-check';
import type { Pool } from 'pg';

/*
 * Fuzzing of a service's HTTP API from its own OpenAPI document: every operation gets requests
 * that are wrong on purpose (bodies of the wrong shape, missing or mistyped fields, huge strings,
 * deep nesting, wrong content types, bad path and query values, bad credentials), and each must be
 * answered with a 4xx carrying the Cascade error envelope, within a bound, with nothing written.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Schema = Record<string, any>;

export interface OpenApiDocument {
  paths: Record<string, Record<string, Schema>>;
  components?: { schemas?: Record<string, Schema> };
  security?: Array<Record<string, string[]>>;
}

export interface Operation {
  method: string;
  path: string;
  pathParams: string[];
  query: Array<{ name: string; schema: Schema }>;
  body: Schema | undefined;
  /** The security schemes that the operation accepts (any one of them). */
  security: string[];
}

export interface FuzzRequest {
  label: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

function resolve(doc: OpenApiDocument, schema: Schema | undefined): Schema | undefined {
  if (!schema) return undefined;
  const ref = schema['$ref'] as string | undefined;
  if (ref === undefined) return schema;
  const name = ref.replace('#/components/schemas/', '');
  return resolve(doc, doc.components?.schemas?.[name]);
}

/** Every operation of the document, with its parameters, body schema and security. */
export function operationsOf(doc: OpenApiDocument): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const params = [
        ...((item['parameters'] as Schema[]) ?? []),
        ...((op['parameters'] as Schema[]) ?? []),
      ];
      const security = (op['security'] ?? doc.security ?? []) as Array<Record<string, string[]>>;
      ops.push({
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p['in'] === 'path').map((p) => p['name'] as string),
        query: params
          .filter((p) => p['in'] === 'query')
          .map((p) => ({ name: p['name'] as string, schema: resolve(doc, p['schema']) ?? {} })),
        body: resolve(doc, op['requestBody']?.content?.['application/json']?.schema),
        security: security.flatMap((s) => Object.keys(s)),
      });
    }
  }
  return ops;
}

/** The JSON types a schema admits; undefined when it admits anything. */
function typesOf(schema: Schema | undefined): Set<string> | undefined {
  if (!schema) return undefined;
  const alternatives = (schema['anyOf'] ?? schema['oneOf']) as Schema[] | undefined;
  if (alternatives) {
    const all = new Set<string>();
    for (const alt of alternatives) {
      const t = typesOf(alt);
      if (!t) return undefined;
      t.forEach((x) => all.add(x));
    }
    return all;
  }
  const type = schema['type'] as string | string[] | undefined;
  if (type === undefined) {
    if (Array.isArray(schema['enum'])) {
      return new Set((schema['enum'] as unknown[]).map((v) => (v === null ? 'null' : typeof v)));
    }
    return undefined;
  }
  const types = new Set(Array.isArray(type) ? type : [type]);
  if (types.has('integer')) types.add('number');
  if (schema['nullable'] === true) types.add('null');
  return types;
}

const deep = (depth: number, leaf: unknown, asArray: boolean): unknown => {
  let value: unknown = leaf;
  for (let i = 0; i < depth; i++) value = asArray ? [value] : { a: value };
  return value;
};

/** Deeply nested JSON: arrays or objects hundreds to a few thousand levels down. */
const deepNesting = fc
  .tuple(fc.integer({ min: 200, max: 3_000 }), fc.boolean())
  .map(([depth, asArray]) => deep(depth, 'x', asArray));

/** Strings that are long enough to break a limit (some beyond the body size limit). */
const hugeString = fc
  .tuple(fc.constantFrom(300, 2_100, 70_000, 300_000), fc.constantFrom('a', 'é', '\u0000', '𝌆'))
  .map(([n, c]) => c.repeat(n));

const oddStrings = fc.oneof(
  fc.string(),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    "' OR 1=1 --",
    '../../etc/passwd',
    '__proto__',
    'NaN',
    '-1',
    '1e999',
    '%00',
    '{"$gt":""}',
    '\ud800',
  ),
  hugeString,
);

/** Values of a JSON type outside `types`: the wrong type for a field typed `types`. */
function wrongValue(types: Set<string>): fc.Arbitrary<unknown> {
  const options: Array<fc.Arbitrary<unknown>> = [];
  if (!types.has('string')) options.push(oddStrings);
  if (!types.has('number')) options.push(fc.oneof(fc.integer(), fc.double({ noNaN: true })));
  if (!types.has('boolean')) options.push(fc.boolean());
  if (!types.has('null')) options.push(fc.constant(null));
  if (!types.has('array')) options.push(fc.array(fc.jsonValue(), { maxLength: 5 }), deepNesting);
  if (!types.has('object')) {
    options.push(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 4 }), deepNesting);
  }
  return fc.oneof(...options);
}

/** A value that the property schema refuses, or undefined when it accepts anything. */
function badValueFor(schema: Schema): fc.Arbitrary<unknown> | undefined {
  const options: Array<fc.Arbitrary<unknown>> = [];
  const types = typesOf(schema);
  if (types && types.size < 6) options.push(wrongValue(types));
  if (Array.isArray(schema['enum']) && types?.has('string')) {
    const allowed = new Set(schema['enum'] as unknown[]);
    options.push(oddStrings.filter((s) => !allowed.has(s)));
  }
  if (typeof schema['maxLength'] === 'number') {
    const max = schema['maxLength'] as number;
    options.push(fc.integer({ min: max + 1, max: max + 5_000 }).map((n) => 'x'.repeat(n)));
  }
  if (typeof schema['maximum'] === 'number') {
    options.push(fc.constant((schema['maximum'] as number) + 1));
  }
  if (typeof schema['minimum'] === 'number') {
    options.push(fc.constant((schema['minimum'] as number) - 1));
  }
  return options.length > 0 ? fc.oneof(...options) : undefined;
}

const extraFields = fc.dictionary(
  fc.oneof(
    fc.string({ minLength: 1 }),
    fc.constantFrom('__proto__', 'constructor', 'tenantId', 'id'),
  ),
  fc.jsonValue({ maxDepth: 2 }),
  { maxKeys: 3 },
);

/**
 * Query values (always strings) that the parameter's schema refuses: not a number where one is
 * expected, out of range, not one of the allowed values, too long. Undefined for a free string.
 */
function badQueryValue(schema: Schema): fc.Arbitrary<string> | undefined {
  const types = typesOf(schema);
  const options: Array<fc.Arbitrary<string>> = [];
  if (Array.isArray(schema['enum'])) {
    const allowed = new Set((schema['enum'] as unknown[]).map(String));
    options.push(oddStrings.filter((s) => s.length < 2_000 && !allowed.has(s)));
  } else if (types && !types.has('string')) {
    if (types.has('number')) {
      options.push(fc.constantFrom('abc', 'NaN', '1e999', '12abc', '--1', 'Infinity'));
      if (schema['type'] === 'integer') options.push(fc.constant('1.5'));
    }
    if (types.has('boolean') && !types.has('number')) options.push(fc.constantFrom('maybe', '2'));
  }
  if (typeof schema['maxLength'] === 'number') {
    const max = schema['maxLength'] as number;
    options.push(fc.integer({ min: max + 1, max: max + 3_000 }).map((n) => 'x'.repeat(n)));
  }
  if (typeof schema['maximum'] === 'number')
    options.push(fc.constant(String(schema['maximum'] + 1)));
  if (typeof schema['minimum'] === 'number')
    options.push(fc.constant(String(schema['minimum'] - 1)));
  return options.length > 0 ? fc.oneof(...options) : undefined;
}

/** Bodies that the operation's body schema refuses, each with its reason. */
function badBodies(body: Schema): fc.Arbitrary<{ why: string; value: unknown }> | undefined {
  const options: Array<fc.Arbitrary<{ why: string; value: unknown }>> = [];
  const types = typesOf(body);
  if (types && types.size < 6) {
    options.push(wrongValue(types).map((value) => ({ why: 'body of the wrong type', value })));
  }
  const properties = (body['properties'] ?? {}) as Record<string, Schema>;
  const required = (body['required'] ?? []) as string[];
  if (required.length > 0) {
    options.push(
      fc.tuple(fc.constantFrom(...required), extraFields).map(([missing, extra]) => {
        const value: Record<string, unknown> = { ...extra };
        delete value[missing];
        return { why: `required field ${missing} missing`, value };
      }),
    );
  }
  for (const [name, schema] of Object.entries(properties)) {
    const bad = badValueFor(schema);
    if (!bad) continue;
    options.push(
      fc
        .tuple(bad, extraFields)
        .map(([v, extra]) => ({ why: `field ${name} wrong`, value: { ...extra, [name]: v } })),
    );
  }
  return options.length > 0 ? fc.oneof(...options) : undefined;
}

/** Raw request bodies that no JSON endpoint accepts. */
const brokenJson = fc.constantFrom(
  '{',
  '{"a":',
  '[1,2',
  'nul',
  '{"a":1}}',
  '\u0000',
  '{"a":"\\u12"}',
);

/** Content types that are not JSON, with a body that would have been the right JSON. */
const foreignContentType = fc.constantFrom(
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/x-www-form-urlencoded',
);

const pathValue = fc.oneof(
  // A segment of dots alone ('.', '..', '%2e') is resolved by the URL parser before the request
  // leaves (`/admin/tenants/.` is sent as `/admin/tenants/`, another operation that may answer
  // 200): it never reaches the server as a parameter. The constants below keep '..' and '%2e%2e',
  // which lead above the resource, to an unknown path.
  fc
    .string({ minLength: 1, maxLength: 40 })
    .map(encodeURIComponent)
    .filter((v) => !/^(\.|%2e)+$/i.test(v)),
  fc.uuid(),
  fc.constantFrom('%E0%A4%A', '%', '..', '%2e%2e', 'null', '-1', '0', '1e999', "'%20OR%201=1"),
  fc.integer({ min: 200, max: 5_000 }).map((n) => 'x'.repeat(n)),
);

function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => values[name] ?? 'x');
}

export interface Credentials {
  /** A valid Authorization header value for a security scheme, so validation is reached. */
  valid: (scheme: string) => string | undefined;
  /** Authorization values that must be refused (forged, foreign, malformed). */
  invalid: string[];
}

/**
 * Requests that the operation must refuse. The arbitrary only generates requests with at least
 * one definite fault; undefined when the operation has nothing that can be wrong.
 */
export function badRequests(
  op: Operation,
  creds: Credentials,
  pathDefaults: Record<string, string> = {},
): fc.Arbitrary<FuzzRequest> | undefined {
  const scheme = op.security[0];
  const validAuth = scheme !== undefined ? creds.valid(scheme) : undefined;
  const authHeaders = (): Record<string, string> =>
    validAuth !== undefined ? { authorization: validAuth } : {};
  // Path parameters naming things that exist (when given), so that a bad body meets a real target.
  const goodParams = Object.fromEntries(op.pathParams.map((p) => [p, pathDefaults[p] ?? 'x']));
  const pathWithNoise = fc
    .record(
      Object.fromEntries(op.pathParams.map((p) => [p, pathValue])) as Record<
        string,
        fc.Arbitrary<string>
      >,
    )
    .map((values) => fillPath(op.path, values));
  const noisyQuery = fc
    .array(fc.tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 })), { maxLength: 3 })
    .map((pairs) => (pairs.length ? `?${new URLSearchParams(pairs).toString()}` : ''));
  const options: Array<fc.Arbitrary<FuzzRequest>> = [];

  // Bad credentials: every secured operation says 401 before anything else.
  if (scheme !== undefined) {
    options.push(
      fc
        .tuple(
          fc.constantFrom(undefined, ...creds.invalid),
          pathWithNoise,
          noisyQuery,
          fc.jsonValue({ maxDepth: 2 }),
        )
        .map(([auth, path, query, body]) => ({
          label: `credentials ${auth === undefined ? 'absent' : JSON.stringify(auth.slice(0, 40))}`,
          method: op.method,
          path: path + query,
          headers: {
            ...(auth !== undefined && { authorization: auth }),
            ...(op.body && { 'content-type': 'application/json' }),
          },
          ...(op.body && { body: JSON.stringify(body) }),
        })),
    );
  }

  // Path parameters that name nothing (or cannot name anything), with valid credentials.
  if (op.pathParams.length > 0) {
    options.push(
      pathWithNoise.map((path) => ({
        label: 'path parameters wrong',
        method: op.method,
        path,
        headers: {
          ...authHeaders(),
          ...(op.body && { 'content-type': 'application/json' }),
        },
        ...(op.body && { body: '{}' }),
      })),
    );
  }

  // Bad bodies, with valid credentials.
  const bodies = op.body ? badBodies(op.body) : undefined;
  if (bodies) {
    options.push(
      bodies.map(({ why, value }) => ({
        label: why,
        method: op.method,
        path: fillPath(op.path, goodParams),
        headers: { ...authHeaders(), 'content-type': 'application/json' },
        body: JSON.stringify(value),
      })),
    );
    options.push(
      brokenJson.map((body) => ({
        label: 'malformed JSON',
        method: op.method,
        path: fillPath(op.path, goodParams),
        headers: { ...authHeaders(), 'content-type': 'application/json' },
        body,
      })),
    );
  }
  // A body that is required sent as something other than JSON (or with no content type).
  if (op.body && ((op.body['required'] ?? []) as string[]).length > 0) {
    options.push(
      fc
        .tuple(fc.option(foreignContentType), fc.jsonValue({ maxDepth: 2 }))
        .map(([type, value]) => ({
          label: `content type ${type ?? 'absent'}`,
          method: op.method,
          path: fillPath(op.path, goodParams),
          headers: { ...authHeaders(), ...(type !== null && { 'content-type': type }) },
          body: JSON.stringify(value),
        })),
    );
  }

  // Query values of the wrong type or beyond their bounds.
  for (const q of op.query) {
    const bad = badQueryValue(q.schema);
    if (!bad) continue;
    const name = encodeURIComponent(q.name);
    const asQuery = fc.oneof(
      bad.map((v) => `${name}=${encodeURIComponent(v)}`),
      // A single value given twice arrives as an array.
      fc.constant(`${name}=1&${name}=2`),
    );
    options.push(
      asQuery.map((query) => ({
        label: `query ${q.name} wrong`,
        method: op.method,
        path: `${fillPath(op.path, goodParams)}?${query}`,
        headers: authHeaders(),
      })),
    );
  }
  return options.length > 0 ? fc.oneof(...options) : undefined;
}

/** Sends one request; a response later than `timeoutMs` fails as a hang. */
export async function send(
  baseUrl: string,
  req: FuzzRequest,
  timeoutMs = 10_000,
): Promise<{ status: number; text: string; contentType: string }> {
  const res = await fetch(baseUrl + req.path, {
    method: req.method,
    headers: req.headers,
    body: req.body,
    redirect: 'manual',
    signal: AbortSignal.timeout(timeoutMs),
  });
  return {
    status: res.status,
    text: await res.text(),
    contentType: res.headers.get('content-type') ?? '',
  };
}

/** Why the answer is not a 4xx with the Cascade error envelope; undefined when it is. */
export function refusalProblem(answer: {
  status: number;
  text: string;
  contentType: string;
}): string | undefined {
  if (answer.status < 400 || answer.status > 499) return `status ${answer.status}`;
  if (!answer.contentType.includes('application/json')) return `content type ${answer.contentType}`;
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return 'body is not JSON';
  }
  const parsed = ErrorEnvelope.safeParse(body);
  return parsed.success ? undefined : 'body is not the error envelope';
}

/**
 * Junk queries and credentials for an operation that takes none. URLs stay under Node's 16 KiB
 * header limit: beyond it Node itself answers 431 before any application code runs.
 */
function junkRequests(op: Operation, creds: Credentials): fc.Arbitrary<FuzzRequest> {
  return fc
    .tuple(
      fc.array(fc.tuple(fc.string({ maxLength: 10 }), oddStrings), { maxLength: 3 }),
      fc.constantFrom(undefined, ...creds.invalid),
    )
    .map(([pairs, auth]): FuzzRequest => {
      const query = new URLSearchParams(
        pairs.map(([k, v]): [string, string] => [k, v.slice(0, 400)]),
      );
      return {
        label: 'junk query and credentials',
        method: op.method,
        path: `${op.path}?${query.toString()}`,
        headers: auth !== undefined ? { authorization: auth } : {},
      };
    });
}

/** Why the answer is a server failure or an untyped refusal; undefined when it is neither. */
function serverProblem(answer: {
  status: number;
  text: string;
  contentType: string;
}): string | undefined {
  if (answer.status >= 500) return `status ${answer.status}`;
  return answer.status >= 400 ? refusalProblem(answer) : undefined;
}

/** A digest of every table's rows: equal digests mean nothing was written. */
export async function databaseDigest(db: Pool): Promise<Record<string, string>> {
  const { rows: tables } = await db.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
        AND table_name NOT LIKE '\\_prisma%' ORDER BY 1`,
  );
  const digest: Record<string, string> = {};
  for (const { name } of tables) {
    const { rows } = await db.query<{ d: string }>(
      `SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '') AS d
         FROM "${name}" t`,
    );
    digest[name] = rows[0]?.d ?? '';
  }
  return digest;
}

/**
 * Runs `numRuns` bad requests against every operation that has something to get wrong: each must
 * be refused with a typed 4xx and leave the database as it was (the others get `numRuns` junk
 * requests, none answered with a 5xx). Returns the number of requests and the operations.
 */
export async function fuzzOperations(options: {
  baseUrl: string;
  operations: Operation[];
  credentials: Credentials;
  /** Path parameter values that name existing things (a room of the caller's, a tenant). */
  pathDefaults?: Record<string, string>;
  db: Pool;
  numRuns: number;
  seed?: number;
}): Promise<{ requests: number; fuzzed: string[]; noise: string[] }> {
  let requests = 0;
  const fuzzed: string[] = [];
  const noise: string[] = [];
  for (const op of options.operations) {
    const name = `${op.method} ${op.path}`;
    const refused = badRequests(op, options.credentials, options.pathDefaults);
    (refused ? fuzzed : noise).push(name);
    // An operation with nothing that can be wrong (no credentials, body nor path parameters) still
    // gets junk queries and headers, and may answer them, but never with a 5xx.
    const arbitrary = refused ?? junkRequests(op, options.credentials);
    const before = await databaseDigest(options.db);
    await fc.assert(
      fc.asyncProperty(arbitrary, async (req) => {
        requests++;
        const answer = await send(options.baseUrl, req);
        const problem = refused ? refusalProblem(answer) : serverProblem(answer);
        if (problem) {
          throw new Error(
            `${name} (${req.label}) answered ${problem}: ${answer.text.slice(0, 300)} ` +
              `[path ${req.path.slice(0, 120)}, body ${String(req.body).slice(0, 120)}]`,
          );
        }
      }),
      { numRuns: options.numRuns, ...(options.seed !== undefined && { seed: options.seed }) },
    );
    expect({ operation: name, tables: await databaseDigest(options.db) }).toEqual({
      operation: name,
      tables: before,
    });
  }
  return { requests, fuzzed, noise };
}
