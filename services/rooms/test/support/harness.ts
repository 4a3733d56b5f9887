import { generateKeyPairSync, randomUUID } from 'node:crypto';

import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  type ParticipantJoinedEvent,
  type ParticipantLeftEvent,
  createSubjects,
  type Subjects,
  wireJson,
} from '@cascade/contracts';
import { ServiceKitModule, loadConfig } from '@cascade/server-kit';
import { type Infrastructure, provisionInfrastructure, waitFor } from '@cascade/testing';
import jwt from 'jsonwebtoken';
import { type NatsConnection, connect } from '@nats-io/transport-node';
import { Pool } from 'pg';

import { roomsModules } from '../../src/app';
import { type RoomsConfig, RoomsConfigSchema } from '../../src/config';
import { setupOpenApi } from '../../src/http/openapi';

/** Responses and NATS replies in tests: JSON, asserted on shape by the tests themselves. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export const ISSUER = 'https://identity.test';
export const AUDIENCE = 'cascade';
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
export const PUBLIC_KEY_PEM = keys.publicKey.export({ type: 'spki', format: 'pem' }) as string;

/** The variables a rooms instance needs beyond its infrastructure, for tests. */
export const AUTH_ENV = {
  ROOMS_AUTH_ISSUER: ISSUER,
  ROOMS_AUTH_AUDIENCE: AUDIENCE,
  ROOMS_AUTH_PUBLIC_KEYS: PUBLIC_KEY_PEM,
};

/** An access token as identity issues it, for a user of a tenant. */
export function accessToken(tenant: string, user: string, over: Record<string, unknown> = {}) {
  return jwt.sign(
    { iss: ISSUER, aud: AUDIENCE, sub: user, tenant, sid: 'session-1', jti: randomUUID(), ...over },
    keys.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    { algorithm: 'RS256', expiresIn: 900, keyid: 'test' },
  );
}

export interface HttpResult<T = Json> {
  status: number;
  body: T;
}

/** One user of one tenant calling the rooms HTTP API. */
export class Client {
  constructor(
    private readonly baseUrl: string,
    readonly tenantId: string,
    readonly userId: string,
    private readonly token = accessToken(tenantId, userId),
  ) {}

  async call<T = Json>(method: string, path: string, body?: unknown): Promise<HttpResult<T>> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    let payload: string | undefined;
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body: payload });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  get = <T = Json>(path: string) => this.call<T>('GET', path);
  post = <T = Json>(path: string, body?: unknown) => this.call<T>('POST', path, body);
  patch = <T = Json>(path: string, body?: unknown) => this.call<T>('PATCH', path, body);
  put = <T = Json>(path: string, body?: unknown) => this.call<T>('PUT', path, body);
  delete = <T = Json>(path: string) => this.call<T>('DELETE', path);

  /** Creates a room and returns it (fails the test unless 201). */
  async createRoom(over: Record<string, unknown> = {}): Promise<Json> {
    const res = await this.post('/rooms', { title: 'Morning call', language: 'en', ...over });
    if (res.status !== 201) throw new Error(`room not created: ${JSON.stringify(res)}`);
    return res.body;
  }
}

const json = wireJson;

/** A presence event as the signaling path publishes it; `at` defaults to now. */
export type PresenceEvent = (
  Omit<ParticipantJoinedEvent, 'at'> | Omit<ParticipantLeftEvent, 'at'>
) & {
  at?: string;
};

export interface RoomsHarness {
  infra: Infrastructure;
  config: RoomsConfig;
  app: INestApplication;
  url: string;
  db: Pool;
  nats: NatsConnection;
  subjects: Subjects;
  client(tenantId: string, userId: string): Client;
  /** A NATS request with a JSON payload; resolves with the decoded reply. */
  request<T = Json>(subject: string, payload: unknown): Promise<T>;
  publish(subject: string, payload: unknown): void;
  /** Publishes a participant's join or leave on its room's activity subject. */
  presence(event: PresenceEvent): void;
  count(table: string): Promise<number>;
}

/**
 * The rooms application in this process (its real modules, HTTP on an ephemeral port) against
 * real PostgreSQL and NATS of the suite's own, with a test NATS connection and a database pool.
 */
export function useRoomsApp(env: Record<string, string> = {}): () => RoomsHarness {
  let harness: RoomsHarness | undefined;
  let infrastructure: Infrastructure | undefined;
  const infra = () => infrastructure!;

  beforeAll(async () => {
    infrastructure = await provisionInfrastructure({ postgres: true, nats: true, redis: true });
    const { app, url, config } = await startRoomsApp({ ...infra().env, ...env });
    const nats = await connect({ servers: config.NATS_URL });
    const db = new Pool({ connectionString: config.DATABASE_URL, max: 2 });
    db.on('error', () => undefined);
    const subjects = createSubjects(config.NATS_SUBJECT_PREFIX);
    // The service's subscriptions start once its NATS client connects: wait until it answers.
    await waitFor('rooms to answer over NATS', async () => {
      const reply = await nats
        .request(subjects.roomsPresenceQuery(), json.encode({ tenantId: 't', userIds: [] }), {
          timeout: 500,
        })
        .catch(() => undefined);
      return reply;
    });
    harness = {
      infra: infra(),
      config,
      app,
      url,
      db,
      nats,
      subjects,
      client: (tenantId, userId) => new Client(url, tenantId, userId),
      request: async (subject, payload) =>
        json.decode(
          (await nats.request(subject, json.encode(payload), { timeout: 5_000 })).data,
        ) as Json,
      publish: (subject, payload) => nats.publish(subject, json.encode(payload)),
      presence: (event) =>
        nats.publish(
          subjects.roomActivity(event.tenantId, event.roomId),
          json.encode({ at: new Date().toISOString(), ...event }),
        ),
      count: async (table) =>
        Number((await db.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n),
    };
  }, 60_000);

  afterAll(async () => {
    await harness?.nats.drain();
    await harness?.db.end();
    await harness?.app.close();
    await infrastructure?.teardown();
  }, 60_000);

  return () => {
    if (!harness)
      throw new Error('the rooms app is not started yet (use it inside a test or hook)');
    return harness;
  };
}

/**
 * One rooms application in this process on an ephemeral port, with `env` over the test
 * defaults (another replica of a suite's app: the suite's `infra.env` plus what differs).
 */
export async function startRoomsApp(
  env: Record<string, string>,
): Promise<{ app: INestApplication; url: string; config: RoomsConfig }> {
  const config = loadConfig('rooms', RoomsConfigSchema, {
    ...AUTH_ENV,
    LOG_LEVEL: 'silent',
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '1',
    // Every test client writes from 127.0.0.1.
    ROOMS_ADDRESS_RATE_LIMIT_PER_MINUTE: '100000',
    ...env,
  });
  const info = { name: 'rooms', version: 'test', instanceId: `test-${process.pid}` };
  const app = await NestFactory.create(
    ServiceKitModule.forRoot({
      info,
      config,
      uses: { nats: true, postgres: true, redis: 'optional' },
      imports: roomsModules(),
    }),
    { logger: false },
  );
  setupOpenApi(app, 'test');
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${address.port}`, config };
}

let counter = 0;
/** A fresh id for a tenant or user, unique in the run. */
export const uid = (prefix: string) => `${prefix}-${++counter}-${randomUUID().slice(0, 8)}`;

export { waitFor };
