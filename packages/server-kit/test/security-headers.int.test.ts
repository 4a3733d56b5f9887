import { createServer } from 'node:net';

import { z } from 'zod';

import { baseEnv } from '../src/config';
import { type RunningService, runService } from '../src/run-service';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A service with nothing of its own, booted the way every Cascade service is. */
describe('runService answers every HTTP request with security headers', () => {
  let service: RunningService<unknown>;
  let url: string;

  beforeAll(async () => {
    const port = await freePort();
    Object.assign(process.env, {
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(port),
      LOG_LEVEL: 'silent',
    });
    service = await runService({
      name: 'probe',
      version: '0.0.0',
      configSchema: z.object(baseEnv(port)),
      uses: {},
      modules: () => [],
    });
    url = `http://127.0.0.1:${port}`;
  }, 30_000);

  afterAll(async () => {
    await service?.stop();
  });

  it.each(['/healthz', '/metrics', '/no-such-route'])('on %s', async (path) => {
    const res = await fetch(url + path);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(res.headers.get('x-powered-by')).toBeNull();
  });
});
