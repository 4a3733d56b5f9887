import { withTimeout } from '../time';

/** One dependency whose reachability decides whether the service is ready. */
export interface ReadinessCheck {
  readonly name: string;
  /**
   * A dependency the service works without (degraded): reported, and in `dependency_up`, but
   * not a reason to be taken out of rotation.
   */
  readonly optional?: boolean;
  /** Resolves when the dependency answers; rejects (or hangs past the timeout) when it does not. */
  check(): Promise<void>;
}

export interface CheckResult {
  ok: boolean;
  /** Present (true) on an optional check, whose failure leaves the service ready. */
  optional?: true;
  latencyMs: number;
  error?: string;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, CheckResult>;
}

/**
 * The set of readiness checks of one service. Modules register what they depend on; `/readyz`
 * runs them all in parallel, each bounded by a timeout so a hung dependency cannot hang the probe.
 */
export class ReadinessRegistry {
  readonly #checks = new Map<string, ReadinessCheck>();

  constructor(private readonly timeoutMs = 1_500) {}

  register(check: ReadinessCheck): void {
    if (this.#checks.has(check.name))
      throw new Error(`readiness check ${check.name} registered twice`);
    this.#checks.set(check.name, check);
  }

  get names(): string[] {
    return [...this.#checks.keys()];
  }

  async run(): Promise<ReadinessReport> {
    const entries = await Promise.all(
      [...this.#checks.values()].map(async (c): Promise<[string, CheckResult]> => {
        const started = performance.now();
        try {
          await withTimeout(c.check(), this.timeoutMs, c.name);
          const latencyMs = Math.round(performance.now() - started);
          return [c.name, { ok: true, ...optional(c), latencyMs }];
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          const latencyMs = Math.round(performance.now() - started);
          return [c.name, { ok: false, ...optional(c), latencyMs, error: message }];
        }
      }),
    );
    const checks = Object.fromEntries(entries);
    return { ready: entries.every(([, r]) => r.ok || r.optional === true), checks };
  }
}

const optional = (check: ReadinessCheck): { optional?: true } =>
  check.optional ? { optional: true } : {};
