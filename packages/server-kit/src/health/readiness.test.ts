import { ReadinessRegistry } from './readiness';

describe('ReadinessRegistry', () => {
  it('is ready when it has no checks', async () => {
    expect(await new ReadinessRegistry().run()).toEqual({ ready: true, checks: {} });
  });

  it('is ready only when every check passes, and reports each one', async () => {
    const registry = new ReadinessRegistry();
    registry.register({ name: 'nats', check: async () => undefined });
    registry.register({
      name: 'redis',
      check: async () => {
        throw new Error('connection refused');
      },
    });
    const report = await registry.run();
    expect(report.ready).toBe(false);
    expect(report.checks['nats']).toMatchObject({ ok: true });
    expect(report.checks['redis']).toMatchObject({ ok: false, error: 'connection refused' });
  });

  it('stays ready while an optional check fails, and reports it as optional', async () => {
    const registry = new ReadinessRegistry();
    registry.register({ name: 'nats', check: async () => undefined });
    registry.register({
      name: 'redis',
      optional: true,
      check: async () => {
        throw new Error('connection refused');
      },
    });
    const report = await registry.run();
    expect(report.ready).toBe(true);
    expect(report.checks['nats']).not.toHaveProperty('optional');
    expect(report.checks['redis']).toMatchObject({ ok: false, optional: true });
  });

  it('fails a check that hangs instead of hanging the probe', async () => {
    const registry = new ReadinessRegistry(20);
    registry.register({ name: 'postgres', check: () => new Promise(() => undefined) });
    const report = await registry.run();
    expect(report.ready).toBe(false);
    expect(report.checks['postgres']?.error).toBe('postgres timed out after 20 ms');
  });

  it('refuses the same check twice', () => {
    const registry = new ReadinessRegistry();
    registry.register({ name: 'nats', check: async () => undefined });
    expect(() => registry.register({ name: 'nats', check: async () => undefined })).toThrow(
      /twice/,
    );
  });
});
