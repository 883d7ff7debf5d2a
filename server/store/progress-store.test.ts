import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ProgressStore } from './progress-store.js';

const dir = mkdtempSync(join(tmpdir(), 'swarmlab-progress-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('progress survives closing and reopening the database', () => {
  const path = join(dir, 'progress.db');
  const first = new ProgressStore(path);
  first.touchLearner('learner-a');
  first.setCurrentLesson('learner-a', 'L3');
  const passedAt = first.markPassed('learner-a', 'L1', 'initialize-the-swarm');
  assert.equal(
    first.markPassed('learner-a', 'L1', 'initialize-the-swarm'),
    passedAt,
    'the first pass is kept',
  );
  first.markPassed('learner-a', 'L3', 'join-swarm-2-and-swarm-3');
  first.close();

  const second = new ProgressStore(path);
  assert.ok(second.hasLearner('learner-a'));
  assert.ok(!second.hasLearner('learner-b'));
  assert.equal(second.currentLesson('learner-a'), 'L3');
  assert.deepEqual([...second.passedSteps('learner-a', 'L1')], [['initialize-the-swarm', passedAt]]);
  assert.deepEqual([...second.passedCounts('learner-a')].sort(), [
    ['L1', 1],
    ['L3', 1],
  ]);
  second.restartLesson('learner-a', 'L1');
  assert.equal(second.passedSteps('learner-a', 'L1').size, 0);
  assert.equal(second.passedSteps('learner-a', 'L3').size, 1, 'other lessons are kept');
  second.close();
});
