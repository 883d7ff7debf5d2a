import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Scrollback } from './scrollback.js';

test('a browser gets exactly the output it missed', () => {
  const scrollback = new Scrollback(100);
  scrollback.append('hello ');
  scrollback.append('world');
  assert.deepEqual(scrollback.since(6), { data: 'world', reset: false, offset: 6 });
  assert.deepEqual(scrollback.since(11), { data: '', reset: false, offset: 11 });
  assert.deepEqual(scrollback.since(0), { data: 'hello world', reset: false, offset: 0 });
});

test('the scrollback keeps only its capacity, cutting the oldest output', () => {
  const scrollback = new Scrollback(10);
  scrollback.append('0123456');
  scrollback.append('789ab');
  scrollback.append('cd');
  assert.equal(scrollback.end, 14);
  assert.equal(scrollback.start, 4);
  assert.deepEqual(scrollback.since(4), { data: '456789abcd', reset: false, offset: 4 });
  scrollback.append('x'.repeat(25));
  assert.equal(scrollback.start, 29);
  assert.equal(scrollback.since(29).data, 'x'.repeat(10));
});

test('an offset that is gone or from the future means clear and replay all that is kept', () => {
  const scrollback = new Scrollback(4);
  scrollback.append('abcdef');
  assert.deepEqual(scrollback.since(1), { data: 'cdef', reset: true, offset: 2 });
  assert.deepEqual(scrollback.since(99), { data: 'cdef', reset: true, offset: 2 });
  assert.deepEqual(scrollback.since(-1), { data: 'cdef', reset: true, offset: 2 });
  assert.deepEqual(scrollback.since(2.5), { data: 'cdef', reset: true, offset: 2 });
});
