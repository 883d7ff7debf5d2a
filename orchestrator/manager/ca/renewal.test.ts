import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CertificateRenewer, type RenewerClock, renewalDelayMs, renewalTime } from './renewal.js';

const hour = 60 * 60 * 1000;
const day = 24 * hour;

test('renewal falls between 50 % and 80 % of the life over many random draws', () => {
  const notBefore = new Date('2030-01-01T00:00:00Z');
  const notAfter = new Date(notBefore.getTime() + 90 * day);
  const life = notAfter.getTime() - notBefore.getTime();
  let lowest = Number.POSITIVE_INFINITY;
  let highest = 0;
  for (let i = 0; i < 20_000; i++) {
    const delay = renewalDelayMs(notBefore, notAfter, Math.random, notBefore.getTime());
    lowest = Math.min(lowest, delay);
    highest = Math.max(highest, delay);
    assert.ok(delay >= 0.5 * life && delay <= 0.8 * life, `${delay / life}`);
  }
  // The draws spread over the whole range, not one point.
  assert.ok(lowest < 0.52 * life && highest > 0.78 * life);
  assert.equal(
    renewalTime(notBefore, notAfter, () => 0),
    notBefore.getTime() + 0.5 * life,
  );
  assert.equal(
    renewalTime(notBefore, notAfter, () => 1),
    notBefore.getTime() + 0.8 * life,
  );
});

test('the delay counts from now and is 0 once the renewal point has passed', () => {
  const notBefore = new Date(Date.now() - 10 * hour);
  const notAfter = new Date(notBefore.getTime() + 100 * hour);
  assert.equal(
    renewalDelayMs(notBefore, notAfter, () => 0, notBefore.getTime() + 10 * hour),
    40 * hour,
  );
  assert.equal(
    renewalDelayMs(notBefore, notAfter, () => 1, notBefore.getTime() + 90 * hour),
    0,
  );
  assert.equal(
    renewalDelayMs(notBefore, notAfter, () => 0, notAfter.getTime() + day),
    0,
  );
  const fromNow = renewalDelayMs(notBefore, notAfter, () => 0);
  assert.ok(fromNow > 39 * hour && fromNow <= 40 * hour);
});

/** A manual clock: timers fire only when the test advances time. */
class ManualClock implements RenewerClock {
  time = Date.UTC(2030, 0, 1);
  #timers = new Map<number, { at: number; callback: () => void }>();
  #next = 1;
  longestTimer = 0;
  now = () => this.time;
  setTimeout = (callback: () => void, ms: number) => {
    this.longestTimer = Math.max(this.longestTimer, ms);
    const id = this.#next++;
    this.#timers.set(id, { at: this.time + ms, callback });
    return id;
  };
  clearTimeout = (handle: unknown) => void this.#timers.delete(handle as number);
  get pending(): number {
    return this.#timers.size;
  }
  /** Moves time forward, firing due timers in order, and lets promise callbacks run between them. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      const due = [...this.#timers].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.time = Math.max(this.time, due[1].at);
      due[1].callback();
    }
    this.time = end;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

test('the renewer renews at the planned point, then plans from the new certificate (changed expiry)', async () => {
  const clock = new ManualClock();
  let validity = { notBefore: new Date(clock.time), notAfter: new Date(clock.time + 90 * day) };
  const renewedAt: number[] = [];
  const renewer = new CertificateRenewer({
    validity: () => validity,
    renew: async () => {
      renewedAt.push(clock.time);
      // The cluster's --cert-expiry changed to 48h: the next certificate is shorter.
      validity = { notBefore: new Date(clock.time), notAfter: new Date(clock.time + 48 * hour) };
    },
    clock,
    random: () => 0.5,
  });
  const start = clock.time;
  renewer.start();
  assert.equal(renewer.nextRenewalAt, start + 0.65 * 90 * day);
  await clock.advance(0.65 * 90 * day - 1);
  assert.deepEqual(renewedAt, []);
  assert.ok(clock.longestTimer <= 2 ** 31 - 1, 'a 58-day wait is cut into timers Node accepts');
  await clock.advance(1);
  assert.deepEqual(renewedAt, [start + 0.65 * 90 * day]);
  const second = renewedAt[0]! + 0.65 * 48 * hour;
  assert.equal(renewer.nextRenewalAt, second);
  await clock.advance(second - clock.time);
  assert.equal(renewedAt.length, 2);
  await renewer.stop();
  assert.equal(clock.pending, 0);
});

test('failures are retried with exponential backoff and reported; success resets the plan', async () => {
  const clock = new ManualClock();
  let validity = { notBefore: new Date(clock.time - 10 * day), notAfter: new Date(clock.time + 10 * day) };
  const attempts: number[] = [];
  const errors: unknown[] = [];
  const renewer = new CertificateRenewer({
    validity: () => validity,
    renew: async () => {
      attempts.push(clock.time);
      if (attempts.length <= 3) throw new Error('manager unreachable');
      validity = { notBefore: new Date(clock.time), notAfter: new Date(clock.time + 20 * day) };
    },
    onError: (error) => errors.push(error),
    clock,
    random: () => 0,
    retryBaseMs: 5_000,
  });
  const start = clock.time;
  renewer.start(); // the 50 % point is already behind: renew now
  await clock.advance(0);
  await clock.advance(5_000);
  await clock.advance(10_000);
  await clock.advance(20_000);
  assert.deepEqual(
    attempts.map((at) => at - start),
    [0, 5_000, 15_000, 35_000],
  );
  assert.equal(errors.length, 3);
  assert.equal(
    renewer.nextRenewalAt,
    start + 35_000 + 10 * day,
    'back to the 50 % point of the new certificate',
  );
  await renewer.stop();
});

test('renewNow renews at once, and stop waits for a renewal in flight then stops for good', async () => {
  const clock = new ManualClock();
  const validity = { notBefore: new Date(clock.time), notAfter: new Date(clock.time + 90 * day) };
  let calls = 0;
  let release!: () => void;
  const renewer = new CertificateRenewer({
    validity: () => validity,
    renew: () => {
      calls++;
      return new Promise<void>((resolve) => {
        release = resolve;
      });
    },
    clock,
  });
  renewer.renewNow(); // not started: ignored
  await clock.advance(0);
  assert.equal(calls, 0);
  renewer.start();
  renewer.renewNow();
  await clock.advance(0);
  assert.equal(calls, 1);
  let stopped = false;
  const stopping = renewer.stop().then(() => {
    stopped = true;
  });
  await clock.advance(0);
  assert.equal(stopped, false, 'stop waits for the renewal in flight');
  release();
  await stopping;
  assert.equal(renewer.nextRenewalAt, undefined);
  await clock.advance(100 * day);
  assert.equal(calls, 1);
  assert.equal(clock.pending, 0);
});

test('with the real clock a due renewal runs and stop leaves no timer behind', async () => {
  let calls = 0;
  const renewer = new CertificateRenewer({
    validity: () => ({ notBefore: new Date(Date.now() - 10 * hour), notAfter: new Date(Date.now() + hour) }),
    renew: async () => {
      calls++;
    },
  });
  renewer.start();
  const deadline = Date.now() + 10_000;
  while (calls === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(calls, 1);
  // The certificate did not change, so it is due again: the next try waits the retry delay, no busy loop.
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(calls, 1);
  assert.ok(renewer.nextRenewalAt! >= Date.now() + 4_000);
  await renewer.stop();
});
