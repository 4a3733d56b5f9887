import { randomUUID } from 'node:crypto';

import { type Infrastructure, type InfrastructureNeeds, useInfrastructure } from './infrastructure';
import { ServiceProcess, type ServiceName } from './service-process';
import { TcpProxy } from './tcp-proxy';

type Dependency = keyof InfrastructureNeeds;

const URL_VARIABLE: Record<Dependency, string> = {
  postgres: 'DATABASE_URL',
  redis: 'REDIS_URL',
  nats: 'NATS_URL',
};

export interface ServiceBootSpec {
  service: ServiceName;
  uses: Dependency[];
  /**
   * Dependencies the service works without (degraded): connected, checked and reported by
   * `/readyz`, but their loss leaves it ready.
   */
  optionalUses?: Dependency[];
  /** Variables the service needs beyond its infrastructure. */
  env?: Record<string, string>;
  /** Readiness checks beyond the infrastructure ones (e.g. `mediasoup-workers`). */
  extraChecks?: string[];
}

/**
 * The behaviour every Cascade service shares, as one suite each service runs against itself:
 * it starts against real infrastructure, answers its probes and metrics, logs pino JSON with
 * request ids, notices a dependency going away and coming back, refuses bad configuration by
 * name, and exits 0 on SIGTERM.
 *
 * Each dependency is reached through a {@link TcpProxy}, so "PostgreSQL stopped" is real for the
 * service under test without stopping the PostgreSQL that other suites use.
 */
export function describeServiceBoot(spec: ServiceBootSpec): void {
  const { service, uses } = spec;
  const optionalUses = spec.optionalUses ?? [];
  const all = [...uses, ...optionalUses];
  const needs = Object.fromEntries(all.map((d) => [d, true])) as InfrastructureNeeds;
  const infra = useInfrastructure(needs);

  const envThroughProxies = (i: Infrastructure, proxies: Map<Dependency, TcpProxy>) => {
    const env = { ...i.env, ...spec.env };
    for (const [dep, proxy] of proxies)
      env[URL_VARIABLE[dep]] = proxy.rewrite(env[URL_VARIABLE[dep]]!);
    return env;
  };

  describe(`${service}: a running instance`, () => {
    const proxies = new Map<Dependency, TcpProxy>();
    let proc: ServiceProcess;

    beforeAll(async () => {
      for (const dep of all) {
        const target = new URL(infra().env[URL_VARIABLE[dep]]!);
        proxies.set(dep, await TcpProxy.start(target.hostname, Number(target.port)));
      }
      proc = await ServiceProcess.spawn(service, envThroughProxies(infra(), proxies));
      await proc.waitUntilAlive();
    });

    afterAll(async () => {
      await proc?.kill();
      for (const proxy of proxies.values()) await proxy.stop();
    });

    it('answers /healthz with its name', async () => {
      const res = await proc.fetch('/healthz');
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: 'ok', service });
    });

    it('is ready once every dependency answers, and says which ones it checked', async () => {
      let body = (await proc.waitForReadiness(200)) as {
        checks: Record<string, { ok: boolean }>;
      };
      // Optional ones do not hold readiness back: wait for them to answer too.
      for (const dep of optionalUses) await waitForCheck(proc, dep, true);
      if (optionalUses.length > 0)
        body = (await (await proc.fetch('/readyz')).json()) as typeof body;
      expect(Object.keys(body.checks).sort()).toEqual([...all, ...(spec.extraChecks ?? [])].sort());
      for (const check of Object.values(body.checks)) expect(check.ok).toBe(true);
    });

    it('serves Prometheus metrics labelled with the service', async () => {
      const res = await proc.fetch('/metrics');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await res.text();
      expect(text).toMatch(
        new RegExp(`^process_cpu_seconds_total\\{service="${service}"\\} `, 'm'),
      );
      expect(text).toContain('# TYPE http_request_duration_seconds histogram');
      for (const dep of all)
        expect(text).toContain(`dependency_up{dependency="${dep}",service="${service}"} 1`);
    });

    it('logs requests as pino JSON with the service and the caller’s request id', async () => {
      const requestId = `req-${randomUUID()}`;
      const res = await proc.fetch('/no-such-route', { headers: { 'x-request-id': requestId } });
      expect(res.status).toBe(404);
      expect(res.headers.get('x-request-id')).toBe(requestId);
      expect(await res.json()).toMatchObject({ code: 'NOT_FOUND', message: expect.any(String) });
      const line = await waitForLog(proc, (l) => l['requestId'] === requestId);
      expect(line).toMatchObject({ service, level: expect.any(String), time: expect.any(String) });
    });

    for (const dep of uses) {
      it(`reports not ready while ${dep} is unreachable and ready again when it returns`, async () => {
        const proxy = proxies.get(dep)!;
        await proxy.cut();
        const down = (await proc.waitForReadiness(503)) as {
          status: string;
          checks: Record<string, { ok: boolean; error?: string }>;
        };
        expect(down.status).toBe('not_ready');
        expect(down.checks[dep]).toMatchObject({ ok: false, error: expect.any(String) });
        expect((await proc.fetch('/healthz')).status).toBe(200); // alive all along
        await proxy.restore();
        await proc.waitForReadiness(200, 45_000);
      }, 90_000);
    }

    for (const dep of optionalUses) {
      it(`stays ready while ${dep} is unreachable, and reports it`, async () => {
        const proxy = proxies.get(dep)!;
        await proxy.cut();
        try {
          await waitForCheck(proc, dep, false);
          const res = await proc.fetch('/readyz');
          expect(res.status).toBe(200);
          expect(await res.json()).toMatchObject({
            status: 'ready',
            checks: { [dep]: { ok: false, optional: true } },
          });
        } finally {
          await proxy.restore();
        }
        await waitForCheck(proc, dep, true);
      }, 60_000);
    }

    it('exits 0 on SIGTERM after closing what it opened', async () => {
      const status = await proc.signal('SIGTERM');
      expect(status).toMatchObject({ code: 0, signal: null });
      expect(proc.logs.some((l) => l['msg'] === 'stopped')).toBe(true);
    });
  });

  describe(`${service}: configuration`, () => {
    const variables = all.map((d) => URL_VARIABLE[d]);

    it.each(variables)('refuses to start without %s and names it', async (variable) => {
      const env = { ...infra().env, ...spec.env };
      delete env[variable];
      const proc = await ServiceProcess.spawn(service, env);
      const status = await proc.exited;
      expect(status.code).toBe(1);
      expect(proc.output).toContain(`${variable} is required but not set`);
    });

    it.each(variables)('refuses to start with an invalid %s and names it', async (variable) => {
      const proc = await ServiceProcess.spawn(service, {
        ...infra().env,
        ...spec.env,
        [variable]: 'not a url',
      });
      expect((await proc.exited).code).toBe(1);
      expect(proc.output).toContain(`${variable} is invalid`);
    });

    it('refuses an invalid LOG_LEVEL and names it', async () => {
      const proc = await ServiceProcess.spawn(service, {
        ...infra().env,
        ...spec.env,
        LOG_LEVEL: 'loud',
      });
      expect((await proc.exited).code).toBe(1);
      expect(proc.output).toContain('LOG_LEVEL is invalid');
    });
  });
}

async function waitForCheck(proc: ServiceProcess, dep: string, ok: boolean): Promise<void> {
  const deadline = Date.now() + 45_000;
  while (Date.now() < deadline) {
    const body = (await (await proc.fetch('/readyz')).json()) as {
      checks: Record<string, { ok: boolean }>;
    };
    if (body.checks[dep]?.ok === ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`readiness check ${dep} never became ${ok ? 'ok' : 'failing'}`);
}

async function waitForLog(
  proc: ServiceProcess,
  predicate: (line: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    const line = proc.logs.find(predicate);
    if (line) return line;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no matching log line in:\n${proc.output}`);
}
