import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  bytesSize,
  ellipsis,
  formatFloatG,
  formatFloatV,
  formatGoDuration,
  goTimeString,
  humanDuration,
  humanSize,
  naturalCompare,
  parseGoDuration,
  prettyPrint,
  ramInBytes,
  sinceNanos,
  truncateId,
} from './units.js';

const second = 1e9;
const minute = 60 * second;
const hour = 60 * minute;
const day = 24 * hour;

test('humanDuration follows go-units thresholds', () => {
  const cases: Array<[number, string]> = [
    [0.45 * second, 'Less than a second'],
    [1 * second, '1 second'],
    [47 * second, '47 seconds'],
    [60 * second, 'About a minute'],
    [3 * minute, '3 minutes'],
    [35 * minute + 40 * second, '35 minutes'],
    [hour, 'About an hour'],
    [hour + 29 * minute, 'About an hour'],
    [hour + 31 * minute, '2 hours'],
    [3 * hour + 60 * minute, '4 hours'],
    [day + 12 * hour, '36 hours'],
    [2 * day, '2 days'],
    [13 * day + 5 * hour, '13 days'],
    [14 * day, '2 weeks'],
    [30 * day, '4 weeks'],
    [60 * day, '2 months'],
    [24 * 30 * day, '24 months'],
    [24 * 30 * day + 14 * day, '2 years'],
    [3 * 365 * day + 60 * day, '3 years'],
  ];
  for (const [nanos, text] of cases) assert.equal(humanDuration(nanos), text, `${nanos}ns`);
});

test('sizes print with 4 significant digits in decimal and binary units', () => {
  assert.equal(humanSize(0), '0B');
  assert.equal(humanSize(2746000), '2.746MB');
  assert.equal(humanSize(796000), '796kB');
  assert.equal(humanSize(8589934592), '8.59GB');
  assert.equal(bytesSize(8589934592), '8GiB');
  assert.equal(bytesSize(20971520), '20MiB');
  assert.equal(bytesSize(1536), '1.5KiB');
  assert.equal(bytesSize(1023.99 * 1024), '1024KiB');
});

test('ramInBytes parses binary sizes like docker', () => {
  assert.equal(ramInBytes('20m'), 20971520);
  assert.equal(ramInBytes('20M'), 20971520);
  assert.equal(ramInBytes('1.5GiB'), 1610612736);
  assert.equal(ramInBytes('512'), 512);
  assert.equal(ramInBytes('10b'), 10);
  assert.throws(() => ramInBytes('10x'), /invalid suffix: 'x'/);
  assert.throws(() => ramInBytes('abc'), /invalid size: 'abc'/);
});

test('Go durations parse and print as time.Duration', () => {
  assert.equal(parseGoDuration('5s'), 5_000_000_000n);
  assert.equal(parseGoDuration('1h30m'), 5_400_000_000_000n);
  assert.equal(parseGoDuration('1.5s'), 1_500_000_000n);
  assert.equal(parseGoDuration('0'), 0n);
  assert.throws(() => parseGoDuration('5'), /time: missing unit in duration "5"/);
  assert.throws(() => parseGoDuration('5x'), /time: unknown unit "x" in duration "5x"/);
  assert.throws(() => parseGoDuration('abc'), /time: invalid duration "abc"/);
  assert.equal(formatGoDuration(5_000_000_000n), '5s');
  assert.equal(formatGoDuration(0n), '0s');
  assert.equal(formatGoDuration(2160n * 3_600_000_000_000n), '2160h0m0s');
  assert.equal(formatGoDuration(90_000_000_000n), '1m30s');
  assert.equal(formatGoDuration(250_000_000n), '250ms');
  assert.equal(formatGoDuration(1_500n), '1.5µs');
  assert.equal(formatGoDuration(1_500_000_000n), '1.5s');
});

test('floats print as Go %g and %v', () => {
  assert.equal(formatFloatG(2.746, 4), '2.746');
  assert.equal(formatFloatG(8, 4), '8');
  assert.equal(formatFloatG(1.5, 4), '1.5');
  assert.equal(formatFloatV(0.5), '0.5');
  assert.equal(formatFloatV(1e6), '1e+06');
  assert.equal(formatFloatV(123456), '123456');
});

test('Go time strings and elapsed time', () => {
  assert.equal(goTimeString('2026-11-24T18:07:22.126Z'), '2026-11-24 18:07:22.126 +0000 UTC');
  assert.equal(goTimeString('2026-11-24T18:07:22Z'), '2026-11-24 18:07:22 +0000 UTC');
  assert.equal(goTimeString('2026-11-24T18:07:22.5+01:00'), '2026-11-24 18:07:22.5 +0100 +0100');
  const now = Date.parse('2026-11-24T18:07:27.126Z');
  assert.equal(sinceNanos('2026-11-24T18:07:22.126Z', now), 5 * second);
  assert.equal(humanDuration(sinceNanos('0001-01-01T00:00:00Z', now)), '292 years');
});

test('ids, names and display helpers', () => {
  assert.equal(truncateId('q2m1hzbk306ecz63bnmy0l3ne'), 'q2m1hzbk306e');
  assert.equal(truncateId('sha256:abcdef0123456789'), 'abcdef012345');
  assert.deepEqual(['web.10', 'web.2', 'web.1', 'api.3'].sort(naturalCompare), [
    'api.3',
    'web.1',
    'web.2',
    'web.10',
  ]);
  assert.equal(ellipsis('hello world', 5), 'hell…');
  assert.equal(ellipsis('hi', 5), 'hi');
  assert.equal(prettyPrint('running'), 'Running');
  assert.equal(prettyPrint('RUNNING'), 'Running');
  assert.equal(prettyPrint(''), '');
});
