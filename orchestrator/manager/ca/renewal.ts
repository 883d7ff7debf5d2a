/** Lower bound of the renewal point, as a fraction of a certificate's life (SwarmKit's `CertLowerRotationRange`). */
export const RENEW_AT_LEAST = 0.5;
/** Upper bound of the renewal point (SwarmKit's `CertUpperRotationRange`). */
export const RENEW_AT_MOST = 0.8;

/**
 * When to renew a certificate valid from `notBefore` to `notAfter`: a random point between 50 % and 80 % of its
 * life (random, so the nodes of a cluster do not all renew at once), as epoch milliseconds.
 */
export function renewalTime(notBefore: Date, notAfter: Date, random: () => number = Math.random): number {
  const start = notBefore.getTime();
  const life = Math.max(0, notAfter.getTime() - start);
  const fraction = RENEW_AT_LEAST + (RENEW_AT_MOST - RENEW_AT_LEAST) * Math.min(Math.max(random(), 0), 1);
  return start + Math.floor(life * fraction);
}

/** Milliseconds from `now` until `renewalTime`; 0 when that point has already passed. */
export function renewalDelayMs(
  notBefore: Date,
  notAfter: Date,
  random: () => number = Math.random,
  now: number = Date.now(),
): number {
  return Math.max(0, renewalTime(notBefore, notAfter, random) - now);
}

/** The clock and timers a `CertificateRenewer` uses; injected so tests can drive time. */
export interface RenewerClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock. */
export const systemClock: RenewerClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Options of a `CertificateRenewer`. */
export interface CertificateRenewerOptions {
  /** The validity of the certificate in use now (read again before every scheduling). */
  validity: () => { notBefore: Date; notAfter: Date };
  /** Gets and installs a new certificate (new key, CSR, signature, key store, TLS contexts). */
  renew: () => Promise<void>;
  /** Told about every failed renewal; the renewer retries with exponential backoff. */
  onError?: (error: unknown) => void;
  clock?: RenewerClock;
  random?: () => number;
  /** First retry delay after a failure (SwarmKit: 5 s). */
  retryBaseMs?: number;
  /** Longest retry delay (SwarmKit: 1 h). */
  retryMaxMs?: number;
}

// setTimeout cannot wait longer than 2^31-1 ms (24.8 days) and 50 % of 90 days is 45 days:
// longer waits are cut into steps and the target re-checked against the clock after each.
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Renews the node certificate at a random point between 50 % and 80 % of its life, again after each renewal
 * (so a changed `--cert-expiry` applies from the next certificate on), retrying failures with exponential
 * backoff, and at once on `renewNow()` (a role change). `stop()` cancels the timer and waits for a renewal
 * in flight.
 */
export class CertificateRenewer {
  readonly #options: CertificateRenewerOptions;
  readonly #clock: RenewerClock;
  #timer: unknown;
  #running = false;
  #stopped = false;
  #inFlight: Promise<void> | undefined;
  #failures = 0;
  #forced = false;
  #target: number | undefined;
  #lastAttemptAt: number | undefined;

  constructor(options: CertificateRenewerOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  /** Epoch milliseconds of the next planned renewal attempt, if one is planned. */
  get nextRenewalAt(): number | undefined {
    return this.#target;
  }

  /** Starts the schedule. */
  start(): void {
    if (this.#running || this.#stopped) return;
    this.#running = true;
    this.#schedule();
  }

  /** Renews as soon as possible (a forced renewal, e.g. after a promotion or demotion). */
  renewNow(): void {
    if (!this.#running) return;
    this.#forced = true;
    if (this.#inFlight) return; // the loop re-plans when the current renewal ends
    this.#planAt(this.#clock.now());
  }

  /** Stops renewing; resolves once a renewal in flight has ended. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#running = false;
    this.#clearTimer();
    this.#target = undefined;
    await this.#inFlight?.catch(() => {});
  }

  #schedule(): void {
    if (this.#running) this.#planAt(this.#nextAttemptAt(this.#clock.now()));
  }

  #nextAttemptAt(now: number): number {
    if (this.#forced) return now;
    let validity: { notBefore: Date; notAfter: Date };
    try {
      validity = this.#options.validity();
    } catch (error) {
      // Unreadable certificate: report it and try a renewal after the backoff, as SwarmKit does.
      this.#options.onError?.(error);
      this.#failures = Math.max(this.#failures, 1);
      return now + this.#backoffMs();
    }
    if (this.#failures > 0 || validity.notAfter.getTime() <= now) return now + this.#backoffMs();
    const planned = renewalTime(validity.notBefore, validity.notAfter, this.#options.random);
    // A renewal that left a certificate already due again must not turn into a busy loop.
    const earliest = this.#lastAttemptAt === undefined ? planned : this.#lastAttemptAt + this.#retryBaseMs;
    return Math.max(planned, earliest);
  }

  get #retryBaseMs(): number {
    return this.#options.retryBaseMs ?? 5_000;
  }

  #backoffMs(): number {
    const base = this.#retryBaseMs;
    const max = this.#options.retryMaxMs ?? 60 * 60 * 1000;
    if (this.#failures === 0) return 0;
    const exponent = Math.min(this.#failures - 1, 30);
    return Math.min(max, base * 2 ** exponent);
  }

  #planAt(target: number): void {
    this.#clearTimer();
    this.#target = target;
    this.#wait();
  }

  #wait(): void {
    if (!this.#running || this.#target === undefined) return;
    const remaining = this.#target - this.#clock.now();
    if (remaining <= 0) {
      this.#timer = this.#clock.setTimeout(() => this.#attempt(), 0);
      return;
    }
    this.#timer = this.#clock.setTimeout(() => this.#wait(), Math.min(remaining, MAX_TIMER_MS));
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #attempt(): void {
    this.#timer = undefined;
    if (!this.#running || this.#inFlight) return;
    this.#target = undefined;
    this.#forced = false;
    this.#lastAttemptAt = this.#clock.now();
    this.#inFlight = (async () => {
      try {
        await this.#options.renew();
        this.#failures = 0;
      } catch (error) {
        this.#failures++;
        this.#options.onError?.(error);
      }
    })().finally(() => {
      this.#inFlight = undefined;
      this.#schedule();
    });
  }
}
