import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OutputBatcher, type Timers } from './output-batcher.js';

/** A manual clock: timers fire only when the test advances time. */
function manualTimers() {
  let now = 0;
  let next = 1;
  const pending = new Map<number, { at: number; callback: () => void }>();
  const timers: Timers = {
    set: (callback, ms) => {
      const id = next++;
      pending.set(id, { at: now + ms, callback });
      return id;
    },
    clear: (id) => pending.delete(id as number),
  };
  const advance = (ms: number) => {
    now += ms;
    for (const [id, timer] of [...pending].sort((a, b) => a[1].at - b[1].at)) {
      if (timer.at <= now && pending.delete(id)) timer.callback();
    }
  };
  return { timers, advance, pending };
}

test('the first chunk after a quiet period is sent at once', () => {
  const { timers } = manualTimers();
  const sent: string[] = [];
  const batcher = new OutputBatcher((d) => sent.push(d), 4, 1000, timers);
  batcher.push('a');
  assert.deepEqual(sent, ['a']);
});

test('chunks during the cooldown are coalesced into one message', () => {
  const { timers, advance, pending } = manualTimers();
  const sent: string[] = [];
  const batcher = new OutputBatcher((d) => sent.push(d), 4, 1000, timers);
  batcher.push('a');
  batcher.push('b');
  batcher.push('c');
  assert.deepEqual(sent, ['a']);
  advance(4);
  assert.deepEqual(sent, ['a', 'bc']);
  advance(4);
  assert.equal(pending.size, 0, 'quiet again: no timer left');
  batcher.push('d');
  assert.deepEqual(sent, ['a', 'bc', 'd']);
});

test('held output is sent as soon as it reaches maxChars', () => {
  const { timers } = manualTimers();
  const sent: string[] = [];
  const batcher = new OutputBatcher((d) => sent.push(d), 4, 5, timers);
  batcher.push('x');
  batcher.push('123');
  assert.equal(batcher.pending, 3);
  batcher.push('45');
  assert.deepEqual(sent, ['x', '12345']);
  assert.equal(batcher.pending, 0);
});

test('dispose drops held output and timers', () => {
  const { timers, advance, pending } = manualTimers();
  const sent: string[] = [];
  const batcher = new OutputBatcher((d) => sent.push(d), 4, 1000, timers);
  batcher.push('a');
  batcher.push('b');
  batcher.dispose();
  advance(10);
  assert.deepEqual(sent, ['a']);
  assert.equal(pending.size, 0);
});
