import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getTimestamp } from './timestamps.js';

test('--since/--until values as docker sends them (timetypes.GetTimestamp)', () => {
  const now = Date.UTC(2026, 10, 26, 6, 0, 30, 750);
  assert.equal(getTimestamp('10m', now), String(Math.floor(now / 1000) - 600));
  assert.equal(getTimestamp('0s', now), String(Math.floor(now / 1000)));
  assert.equal(getTimestamp('2013-01-02T13:23:37Z', now), '1357133017.000000000');
  assert.equal(getTimestamp('2013-01-02T13:23:37.5Z', now), '1357133017.500000000');
  assert.equal(getTimestamp('2013-01-02T14:23:37+01:00', now), '1357133017.000000000');
  const local = -new Date(now).getTimezoneOffset() * 60;
  assert.equal(getTimestamp('2013-01-02', now), `${1357084800 - local}.000000000`);
  assert.equal(getTimestamp('2013-01-02T13:23', now), `${1357132980 - local}.000000000`);
  assert.equal(getTimestamp('1357133017', now), '1357133017');
  assert.equal(getTimestamp('1357133017.25', now), '1357133017.25');
  assert.throws(() => getTimestamp('foo', now), /^Error: failed to parse value as time or duration: "foo"$/);
});
