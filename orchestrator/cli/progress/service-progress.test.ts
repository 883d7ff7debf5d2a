import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Service, Task } from '../../api/engine-types.js';
import { ProgressDisplay, type ProgressMessage, progressBar } from './progress-display.js';
import { ConvergenceTracker, truncError } from './service-progress.js';

const service = (replicas: number, updateStatus?: Service['UpdateStatus']): Service => ({
  ID: 'q2m1hzbk306ecz63bnmy0l3ne',
  Spec: { Name: 'web', Mode: { Replicated: { Replicas: replicas } } },
  UpdateStatus: updateStatus,
});

const task = (slot: number, state: string, desired = 'running', err?: string): Task => ({
  ID: `task${slot}`,
  Slot: slot,
  NodeID: 'node1',
  DesiredState: desired as Task['DesiredState'],
  Status: { State: state as Task['DesiredState'], Err: err },
});

/** Drives the tracker with one poll every 200 ms until it is done; returns what a pipe would show. */
function run(
  polls: (i: number) => { service: Service; tasks: Task[] },
  terminal = false,
  width = 80,
): string {
  let text = '';
  const display = new ProgressDisplay(
    (t) => (text += t),
    terminal,
    () => width,
  );
  const tracker = new ConvergenceTracker('q2m1hzbk306ecz63bnmy0l3ne', (m: ProgressMessage) =>
    display.show(m),
  );
  for (let i = 0; i < 200; i++) {
    const now = 1_000_000 + i * 201; // a poll takes a little over its 200 ms sleep
    const poll = polls(i);
    if (tracker.onService(poll.service, now).done) return text;
    if (tracker.onTasks(poll.service, poll.tasks, new Set(['node1']), now).done) return text;
  }
  throw new Error('did not converge');
}

test('service create without a terminal prints the lines docker prints', () => {
  const text = run((i) => ({
    service: service(3),
    tasks: i === 0 ? [] : [task(1, 'running'), task(2, 'running'), task(3, 'running')],
  }));
  const verify = (n: number) => `verify: Waiting ${n} seconds to verify that tasks are stable...\n`.repeat(5);
  assert.equal(
    text,
    'overall progress: 0 out of 3 tasks\n1/3:  \n2/3:  \n3/3:  \noverall progress: 0 out of 3 tasks\n' +
      'overall progress: 3 out of 3 tasks\n' +
      verify(5) +
      verify(4) +
      verify(3) +
      verify(2) +
      verify(1) +
      'verify: Service q2m1hzbk306ecz63bnmy0l3ne converged\n',
  );
});

test('an update that is already completed ends the wait at once', () => {
  assert.equal(
    run(() => ({ service: service(3, { State: 'completed' }), tasks: [] })),
    '',
  );
});

test('a paused update is an error with the daemon message', () => {
  assert.throws(
    () =>
      run(() => ({
        service: service(1, { State: 'paused', Message: 'update paused due to failure' }),
        tasks: [],
      })),
    { message: 'service update paused: update paused due to failure' },
  );
});

test('a rollback announces itself and counts tasks as rolling back', () => {
  const text = run((i) => ({
    service: service(1, { State: 'rollback_started' as 'updating', Message: 'manually requested rollback' }),
    tasks: i < 2 ? [task(1, 'starting')] : [task(1, 'running')],
  }));
  assert.match(
    text,
    /^rollback: manually requested rollback\noverall progress: rolling back update: 0 out of 1 tasks\n1\/1: {2}\n/,
  );
  assert.match(text, /overall progress: rolling back update: 1 out of 1 tasks\n/);
  assert.match(text, /verify: Service q2m1hzbk306ecz63bnmy0l3ne converged\n$/);
});

test('task errors are shown even without a terminal, cut to one line of 75 characters', () => {
  const error = `starting container failed: ${'x'.repeat(100)}\nsecond line`;
  const text = run((i) => ({
    service: service(1),
    tasks: i === 0 ? [task(1, 'failed', 'running', error)] : [task(1, 'running')],
  }));
  assert.match(text, /1\/1: starting container failed: x+…\n/);
  assert.equal(truncError('a\nb'), 'a b');
  assert.equal([...truncError('y'.repeat(80))].length, 75);
});

test('on a terminal each task line is redrawn in place', () => {
  let text = '';
  const display = new ProgressDisplay(
    (t) => (text += t),
    true,
    () => 120,
  );
  display.show({ id: 'overall progress', action: '0 out of 1 tasks' });
  display.show({ id: '1/1', action: ' ' });
  display.show({ id: '1/1', action: 'running  ', current: 9, total: 9, hideCounts: true });
  display.show({ id: 'overall progress', action: '1 out of 1 tasks' });
  const bar = `[${'='.repeat(50)}>] `;
  assert.equal(
    text,
    '\n\x1b[1A\x1b[2K\roverall progress: 0 out of 1 tasks \r\x1b[1B' +
      '\n\x1b[1A\x1b[2K\r1/1:   \r\x1b[1B' +
      `\x1b[1A\x1b[2K\r1/1: running   ${bar}\r\x1b[1B` +
      '\x1b[2A\x1b[2K\roverall progress: 1 out of 1 tasks \r\x1b[2B',
  );
  assert.equal(progressBar(4, 9, true, 80), '');
  assert.equal(progressBar(4, 9, false, 80), '4/9');
});
