import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { parse } from 'yaml';

import { REPO } from './kustomize';
import { NATS_USERS_CONF, natsPasswordVariables, natsUsers } from './nats-users';

/**
 * docker-compose.yml as `docker compose` reads it: valid by the Compose Specification's JSON
 * schema (the copy in the `docker-compose` package, which testcontainers depends on), and with
 * NATS wired as in Kubernetes: the server loads deploy/nats (per-service users and their subject
 * permissions), and every Cascade service connects as its own user.
 */
interface ComposeService {
  image?: string;
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null>;
  volumes?: Array<string | { source: string; target: string }>;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
}

const text = readFileSync(join(REPO, 'docker-compose.yml'), 'utf8');
// Merge keys (`<<: *service`) resolved, as compose does; JSON values only.
const compose = JSON.parse(JSON.stringify(parse(text, { merge: true }))) as ComposeFile;

/** The compose-spec schema and a JSON-schema validator (ajv), from installed dependencies. */
function composeSchemaValidator() {
  const fromTestcontainers = createRequire(require.resolve('testcontainers'));
  const schema = JSON.parse(
    readFileSync(fromTestcontainers.resolve('docker-compose/schema/compose-spec.json'), 'utf8'),
  ) as object;
  // The ajv that validates the Kubernetes models (schemas.ts), else any installed one.
  const fromValidator = createRequire(
    join(REPO, 'node_modules/@kubernetes-models/validate/package.json'),
  );
  const AjvModule = fromValidator('ajv') as { default?: unknown };
  const Ajv = (AjvModule.default ?? AjvModule) as new (options: object) => {
    compile(schema: object): ((data: unknown) => boolean) & { errors?: unknown[] | null };
  };
  // The schema names its draft-07 meta-schema by an https:// address ajv does not know.
  return new Ajv({ allErrors: true, validateSchema: false, strict: false }).compile(schema);
}

/** `${NAME:?message}` or `${NAME}` of an interpolated value: the .env variable it reads. */
const variableOf = (value: unknown) => /^\$\{([A-Z0-9_]+)(:\?[^}]*)?\}$/.exec(String(value))?.[1];

/** The Cascade services: built from the root Dockerfile, image cascade/<service>. */
const cascadeServices = () =>
  Object.entries(compose.services)
    .map(([name, s]) => ({ name, service: /^cascade\/([a-z-]+):/.exec(s.image ?? '')?.[1], s }))
    .filter((x) => x.service !== undefined && x.service !== 'web');

describe('docker-compose.yml', () => {
  it('is valid by the Compose Specification schema', () => {
    const validate = composeSchemaValidator();
    expect(validate(compose) ? [] : validate.errors).toEqual([]);
    // The validator does refuse a broken file.
    const broken = JSON.parse(JSON.stringify(compose)) as ComposeFile & Record<string, unknown>;
    (broken.services['nats'] as Record<string, unknown>)['environment'] = 42;
    expect(validate(broken)).toBe(false);
  });

  it('runs NATS with deploy/nats: the per-service users, each password required from .env', () => {
    const nats = compose.services['nats']!;
    const command = Array.isArray(nats.command) ? nats.command : [];
    const config = command.find((a) => a.startsWith('--config='))?.slice('--config='.length);
    expect(config).toBeDefined();
    const mounts = (nats.volumes ?? []).map((v) =>
      typeof v === 'string' ? v.split(':') : [v.source, v.target],
    );
    const mount = mounts.find(([, target]) => config!.startsWith(`${target}/`));
    expect(mount?.[0]).toBe('./deploy/nats');
    const file = join(REPO, 'deploy/nats', config!.slice(mount![1]!.length + 1));
    expect(readFileSync(file, 'utf8')).toMatch(/^include\s+"?cascade-users\.conf"?\s*$/m);
    expect(readFileSync(NATS_USERS_CONF, 'utf8')).toContain('authorization {');
    // Each password the users file reads is given to the server, from a required .env variable.
    const variables = natsPasswordVariables();
    expect(Object.keys(variables).sort()).toEqual(natsUsers().sort());
    for (const variable of Object.values(variables)) {
      const value = nats.environment?.[variable];
      expect({ variable, value }).toEqual({
        variable,
        value: expect.stringMatching(new RegExp(`^\\$\\{${variable}:\\?.+\\}$`)),
      });
    }
  });

  it('connects every Cascade service as its own NATS user, with the password the server has', () => {
    const variables = natsPasswordVariables();
    const services = cascadeServices();
    expect(services.map((x) => x.name).sort()).toEqual(
      ['gateway', 'gateway-2', 'identity', 'rooms', 'sfu-node', 'sfu-orchestrator'].sort(),
    );
    const wiring = services.map(({ name, s }) => ({
      name,
      url: s.environment?.['NATS_URL'],
      user: s.environment?.['NATS_USER'],
      password: variableOf(s.environment?.['NATS_PASSWORD']),
    }));
    expect(wiring).toEqual(
      services.map(({ name, service }) => ({
        name,
        url: 'nats://nats:4222', // no credentials in the URL
        user: service,
        password: variables[service!],
      })),
    );
  });
});
