import type { HealthConfig } from '../../api/engine-types.js';
import type { EffectiveHealthcheck, HealthResult, HealthState } from './types.js';

/** Docker's healthcheck defaults (daemon/health.go). */
export const healthDefaults = {
  intervalMs: 30_000,
  timeoutMs: 30_000,
  retries: 3,
  startPeriodMs: 0,
  startIntervalMs: 5_000,
};

/** Longest probe output kept (Docker's maxOutputLen) and results kept (maxLogEntries). */
const maxOutput = 4096;
const maxResults = 5;

const ms = (ns: number | undefined) => (ns ? Math.round(ns / 1e6) : 0);

/**
 * The healthcheck a container runs: the container's settings over the image's, field by field (0 or an empty
 * test inherits); undefined when there is none or the test is `NONE`.
 */
export function effectiveHealthcheck(
  image?: HealthConfig,
  container?: HealthConfig,
): EffectiveHealthcheck | undefined {
  const test = container?.Test?.length ? container.Test : image?.Test;
  if (!test || test.length === 0 || test[0] === 'NONE') return undefined;
  const pick = (field: 'Interval' | 'Timeout' | 'StartPeriod' | 'StartInterval') =>
    ms(container?.[field]) || ms(image?.[field]);
  return {
    test,
    intervalMs: pick('Interval') || healthDefaults.intervalMs,
    timeoutMs: pick('Timeout') || healthDefaults.timeoutMs,
    retries: container?.Retries || image?.Retries || healthDefaults.retries,
    startPeriodMs: pick('StartPeriod') || healthDefaults.startPeriodMs,
    startIntervalMs: pick('StartInterval') || healthDefaults.startIntervalMs,
  };
}

/** The command a healthcheck test runs: `CMD args...` as is, `CMD-SHELL cmd` through `/bin/sh -c`. */
export function probeCommand(test: string[]): string[] | undefined {
  if (test[0] === 'CMD') return test.slice(1);
  if (test[0] === 'CMD-SHELL') return ['/bin/sh', '-c', test.slice(1).join(' ')];
  return undefined;
}

/** Runs one probe: resolves with its exit code and output, or exit code -1 and a reason. */
export type Prober = (cmd: string[], timeoutMs: number) => Promise<{ exitCode: number; output: string }>;

/** A duration as Go prints it: `500ms`, `30s`, `1.5s`, `1m30s`. */
export function goDuration(msValue: number): string {
  if (msValue < 1000) return `${msValue}ms`;
  if (msValue < 60_000) return `${msValue / 1000}s`;
  const minutes = Math.floor(msValue / 60_000);
  if (minutes < 60) return `${minutes}m${(msValue % 60_000) / 1000}s`;
  return `${Math.floor(minutes / 60)}h${minutes % 60}m${(msValue % 60_000) / 1000}s`;
}

/**
 * Runs a container's healthcheck as Docker does: the first probe one interval after start (the start interval
 * during the start period), `starting` until a probe passes, `unhealthy` after `retries` failures in a row —
 * failures inside the start period do not count while the container has never been healthy.
 */
export class HealthMonitor {
  readonly state: HealthState = { status: 'starting', failingStreak: 0, log: [] };
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly check: EffectiveHealthcheck,
    private readonly probe: Prober,
    private readonly onChange: (state: HealthState) => void,
  ) {}

  start(startedAt: Date): void {
    this.schedule(startedAt);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private inStartPeriod(startedAt: Date, at = new Date()): boolean {
    return at.getTime() - startedAt.getTime() < this.check.startPeriodMs;
  }

  private schedule(startedAt: Date): void {
    if (this.stopped) return;
    const delay =
      this.state.status === 'starting' && this.inStartPeriod(startedAt)
        ? this.check.startIntervalMs
        : this.check.intervalMs;
    this.timer = setTimeout(() => void this.run(startedAt), delay);
  }

  private async run(startedAt: Date): Promise<void> {
    const command = probeCommand(this.check.test);
    const start = new Date();
    let result: { exitCode: number; output: string };
    if (!command) {
      result = {
        exitCode: -1,
        output: `unknown healthcheck type '${this.check.test[0]}' (expected 'CMD' or 'CMD-SHELL')`,
      };
    } else {
      result = await this.probe(command, this.check.timeoutMs).catch((error: unknown) => ({
        exitCode: -1,
        output: error instanceof Error ? error.message : String(error),
      }));
    }
    if (this.stopped) return;
    const entry: HealthResult = {
      start: start.toISOString(),
      end: new Date().toISOString(),
      exitCode: result.exitCode,
      output: result.output.length > maxOutput ? result.output.slice(0, maxOutput) : result.output,
    };
    this.state.log.push(entry);
    if (this.state.log.length > maxResults) this.state.log.splice(0, this.state.log.length - maxResults);
    if (result.exitCode === 0) {
      this.state.failingStreak = 0;
      this.state.status = 'healthy';
    } else if (!(this.state.status === 'starting' && this.inStartPeriod(startedAt, start))) {
      this.state.failingStreak += 1;
      if (this.state.failingStreak >= this.check.retries) this.state.status = 'unhealthy';
    }
    // Every result is news: the log changed, and maybe the status.
    this.onChange(this.state);
    this.schedule(startedAt);
  }
}

/** The output Docker records when a probe outlives its timeout. */
export function timeoutOutput(timeoutMs: number): string {
  return `Health check exceeded timeout (${goDuration(timeoutMs)})`;
}
