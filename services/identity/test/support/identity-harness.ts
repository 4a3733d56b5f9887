import { generateKeyPairSync } from 'node:crypto';
import { request as httpRequest } from 'node:http';

import type { SessionTokens, Tenant } from '@cascade/contracts';
import { ServiceKitModule, loadConfig } from '@cascade/server-kit';
import { type Infrastructure, provisionInfrastructure, waitFor } from '@cascade/testing';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Pool } from 'pg';

import { IdentityConfigSchema } from '../../src/config';
import { configureIdentityApp, identityModules } from '../../src/identity';

export const ADMIN_TOKEN = 'test-operator-token-0123456789abcdef';

export function pem(kind: 'rsa' | 'ec'): string {
  const pair =
    kind === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

/** Keys generated once per test file: an RSA key `k1` and an EC key `k2`. */
export const TEST_KEYS = { k1: pem('rsa'), k2: pem('ec') };

export interface Response<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  token?: string;
  apiKey?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** The Host header to send (fetch always sends the URL's own), e.g. a public name. */
  host?: string;
}

function toResponse<T>(status: number, headers: Headers, text: string): Response<T> {
  let parsed: unknown = text;
  if ((headers.get('content-type') ?? '').includes('json') && text.length > 0) {
    parsed = JSON.parse(text);
  }
  return { status, body: parsed as T, headers };
}

/** A request through node:http, which sends the Host header it is given. */
function requestWithHost<T>(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
): Promise<Response<T>> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const received = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          for (const v of Array.isArray(value) ? value : [value ?? '']) received.append(name, v);
        }
        resolve(
          toResponse<T>(res.statusCode ?? 0, received, Buffer.concat(chunks).toString('utf8')),
        );
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** One identity application, in this process, on a free port. */
export class IdentityApp {
  constructor(
    readonly app: INestApplication,
    readonly url: string,
  ) {}

  static async start(env: Record<string, string>, port = 0): Promise<IdentityApp> {
    const config = loadConfig('identity', IdentityConfigSchema, env);
    const app = await NestFactory.create(
      ServiceKitModule.forRoot({
        info: { name: 'identity', version: 'test', instanceId: `test-${process.pid}` },
        config,
        uses: { nats: true, postgres: true, redis: 'optional' },
        imports: identityModules(config),
      }),
      { logger: false },
    );
    configureIdentityApp(app, 'test');
    await app.listen(port, '127.0.0.1');
    const address = app.getHttpServer().address() as { port: number };
    return new IdentityApp(app, `http://127.0.0.1:${address.port}`);
  }

  async request<T = unknown>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<Response<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
    if (options.apiKey !== undefined) headers['authorization'] = `ApiKey ${options.apiKey}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    }
    if (options.host !== undefined) {
      return requestWithHost<T>(this.url + path, method, { ...headers, host: options.host }, body);
    }
    const res = await fetch(this.url + path, { method, headers, body, redirect: 'manual' });
    return toResponse<T>(res.status, res.headers, await res.text());
  }

  get = <T = unknown>(path: string, o?: RequestOptions) => this.request<T>('GET', path, o);
  post = <T = unknown>(path: string, o?: RequestOptions) => this.request<T>('POST', path, o);
  patch = <T = unknown>(path: string, o?: RequestOptions) => this.request<T>('PATCH', path, o);
  put = <T = unknown>(path: string, o?: RequestOptions) => this.request<T>('PUT', path, o);
  delete = <T = unknown>(path: string, o?: RequestOptions) => this.request<T>('DELETE', path, o);

  /** Resolves once Redis is connected: the rate limits count there, not in this process. */
  async redisConnected(): Promise<void> {
    await waitFor('Redis to be connected', async () => {
      const res = await this.get<{ checks: { redis?: { ok: boolean } } }>('/readyz');
      return res.body.checks.redis?.ok ? true : undefined;
    });
  }

  async close(): Promise<void> {
    await this.app.close();
  }
}

export interface Harness {
  infra: () => Infrastructure;
  app: () => IdentityApp;
  /** Direct SQL on the suite's database (row counts, test setup). */
  db: () => Pool;
  env: (extra?: Record<string, string>) => Record<string, string>;
  count: (table: string) => Promise<number>;
  createTenant: (slug: string, settings?: object) => Promise<Tenant>;
  signIn: (tenant: string, displayName: string, email?: string) => Promise<SessionTokens>;
  makeAdmin: (tenantId: string, userId: string) => Promise<void>;
}

/**
 * The shared setup of identity's integration suites: a database and NATS prefix of their own, the
 * application in-process with dev sign-in and the operator API on, and helpers that read like the
 * steps of a scenario.
 */
export function useIdentity(extraEnv: Record<string, string> = {}): Harness {
  let provisioned: Infrastructure | undefined;
  let app: IdentityApp | undefined;
  let pool: Pool | undefined;
  const infra = () => {
    if (!provisioned) throw new Error('infrastructure is not provisioned yet');
    return provisioned;
  };

  const env = (extra: Record<string, string> = {}) => ({
    ...infra().env,
    LOG_LEVEL: 'silent',
    IDENTITY_SIGNING_KEYS: JSON.stringify({ k1: TEST_KEYS.k1 }),
    IDENTITY_DEV_LOGIN: 'true',
    IDENTITY_ADMIN_TOKEN: ADMIN_TOKEN,
    IDENTITY_RATE_LIMIT_PER_MINUTE: '10000',
    IDENTITY_ACCOUNT_RATE_LIMIT_PER_MINUTE: '10000',
    IDENTITY_API_KEY_RATE_LIMIT_PER_MINUTE: '10000',
    IDENTITY_PRESENCE_TIMEOUT_MS: '300',
    ...extraEnv,
    ...extra,
  });

  beforeAll(async () => {
    provisioned = await provisionInfrastructure({ postgres: true, nats: true, redis: true });
    app = await IdentityApp.start(env());
    pool = new Pool({ connectionString: infra().env['DATABASE_URL'], max: 2 });
    pool.on('error', () => undefined);
  }, 120_000);
  // One hook, in order: the database is dropped only after everything using it is closed.
  afterAll(async () => {
    await app?.close();
    await pool?.end();
    await provisioned?.teardown();
  }, 120_000);

  const the = () => {
    if (!app) throw new Error('identity is not started yet');
    return app;
  };
  const db = () => {
    if (!pool) throw new Error('identity is not started yet');
    return pool;
  };

  return {
    infra,
    app: the,
    db,
    env,
    count: async (table) => {
      const { rows } = await db().query<{ n: string }>(`SELECT count(*) AS n FROM "${table}"`);
      return Number(rows[0]?.n);
    },
    createTenant: async (slug, settings) => {
      const res = await the().post<Tenant>('/admin/tenants', {
        token: ADMIN_TOKEN,
        body: { slug, name: `Tenant ${slug}`, ...(settings && { settings }) },
      });
      if (res.status !== 201) throw new Error(`tenant ${slug}: ${JSON.stringify(res.body)}`);
      return res.body;
    },
    signIn: async (tenant, displayName, email) => {
      const res = await the().post<SessionTokens>('/auth/dev', {
        body: { tenant, displayName, ...(email !== undefined && { email }) },
      });
      if (res.status !== 200) throw new Error(`sign-in: ${JSON.stringify(res.body)}`);
      return res.body;
    },
    makeAdmin: async (tenantId, userId) => {
      const res = await the().put(`/admin/tenants/${tenantId}/users/${userId}/role`, {
        token: ADMIN_TOKEN,
        body: { role: 'admin' },
      });
      if (res.status !== 200) throw new Error(`role: ${JSON.stringify(res.body)}`);
    },
  };
}
