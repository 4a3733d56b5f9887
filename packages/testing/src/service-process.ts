import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { freePort, freePortRange, waitFor } from './net';

export const REPO_ROOT = resolve(__dirname, '../../..');

/**
 * Every service process a test started and that is still alive. Whatever a failing test forgot
 * to stop is killed when the test runner exits, so that a failure can never leave a process
 * behind that keeps the run (or the machine's ports) busy.
 */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export type ServiceName = 'gateway' | 'identity' | 'rooms' | 'sfu-node' | 'sfu-orchestrator';

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * A Cascade service running as its own process from its built `dist/main.js`, exactly as it runs
 * in production, with its output captured for assertions.
 */
export class ServiceProcess {
  readonly #lines: string[] = [];
  readonly #exited: Promise<ExitStatus>;

  private constructor(
    readonly service: ServiceName,
    readonly child: ChildProcess,
    readonly httpPort: number,
  ) {
    for (const stream of [child.stdout, child.stderr]) {
      let buffered = '';
      stream?.setEncoding('utf8').on('data', (chunk: string) => {
        buffered += chunk;
        const parts = buffered.split('\n');
        buffered = parts.pop() ?? '';
        this.#lines.push(...parts.filter((l) => l !== ''));
      });
    }
    this.#exited = once(child, 'exit').then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
    }));
  }

  /** Spawns the service with exactly `env` (plus PATH/HOME) and an ephemeral HTTP port. */
  static async spawn(service: ServiceName, env: Record<string, string>): Promise<ServiceProcess> {
    const main = join(REPO_ROOT, 'services', service, 'dist', 'main.js');
    if (!existsSync(main))
      throw new Error(`${main} does not exist: build the service first (npm run build)`);
    const httpPort = env['HTTP_PORT'] ? Number(env['HTTP_PORT']) : await freePort();
    // Media nodes listen on fixed WebRtcServer ports (worker i on base + i): give each test node
    // its own run, one port per worker.
    const workers = Number(env['MEDIASOUP_NUM_WORKERS'] ?? 1) || 1;
    const media =
      service === 'sfu-node' && !env['SFU_WEBRTC_PORT_BASE']
        ? { SFU_WEBRTC_PORT_BASE: String(await freePortRange(workers)) }
        : {};
    const inherited = Object.fromEntries(
      ['PATH', 'HOME', 'MEDIASOUP_WORKER_BIN'].flatMap((k) =>
        process.env[k] ? [[k, process.env[k]]] : [],
      ),
    );
    const child = spawn(process.execPath, [main], {
      cwd: join(REPO_ROOT, 'services', service),
      env: {
        ...inherited,
        HTTP_HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        ...media,
        ...env,
        HTTP_PORT: String(httpPort),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const started = new ServiceProcess(service, child, httpPort);
    running.add(child);
    child.once('exit', () => running.delete(child));
    return started;
  }

  get url(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  get output(): string {
    return this.#lines.join('\n');
  }

  /** Output lines that are JSON (pino), parsed. */
  get logs(): Array<Record<string, unknown>> {
    return this.#lines.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }

  get exited(): Promise<ExitStatus> {
    return this.#exited;
  }

  fetch(path: string, init?: RequestInit): Promise<Response> {
    return fetch(`${this.url}${path}`, { ...init, signal: AbortSignal.timeout(5_000) });
  }

  /** Resolves once `/healthz` answers 200; fails early, with the output, if the process exits. */
  async waitUntilAlive(timeoutMs = 30_000): Promise<void> {
    let settled = false;
    const exited = this.#exited.then((s) => {
      if (settled) return;
      throw new Error(
        `${this.service} exited (${JSON.stringify(s)}) before it was alive:\n${this.output}`,
      );
    });
    try {
      await Promise.race([
        waitFor(
          `${this.service} /healthz`,
          async () => ((await this.fetch('/healthz')).ok ? true : undefined),
          { timeoutMs },
        ),
        exited,
      ]);
    } finally {
      settled = true;
    }
  }

  /**
   * Resolves with the `/readyz` body once its status equals `status`; fails early if the process
   * exits, and in either failure the error carries the end of the process's output.
   */
  async waitForReadiness(status: 200 | 503, timeoutMs = 30_000): Promise<unknown> {
    let settled = false;
    const exited = this.#exited.then((s) => {
      if (settled) return undefined;
      throw new Error(
        `${this.service} exited (${JSON.stringify(s)}) before /readyz answered ${status}:\n${this.tail()}`,
      );
    });
    try {
      return await Promise.race([
        waitFor(
          `${this.service} /readyz ${status}`,
          async () => {
            const res = await this.fetch('/readyz');
            return res.status === status ? await res.json() : undefined;
          },
          { timeoutMs, intervalMs: 200 },
        ).catch((error: unknown) => {
          throw new Error(`${String(error)}\n${this.service} output:\n${this.tail()}`);
        }),
        exited,
      ]);
    } finally {
      settled = true;
    }
  }

  /** The last lines of output, for failure messages. */
  tail(lines = 40): string {
    return this.#lines.slice(-lines).join('\n');
  }

  /** Sends a signal and resolves with the exit status and how long the exit took. */
  async signal(signal: NodeJS.Signals = 'SIGTERM'): Promise<ExitStatus & { elapsedMs: number }> {
    const started = Date.now();
    this.child.kill(signal);
    const status = await this.#exited;
    return { ...status, elapsedMs: Date.now() - started };
  }

  /** Makes sure the process is gone (for afterEach/afterAll). */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.#exited;
    }
  }
}
