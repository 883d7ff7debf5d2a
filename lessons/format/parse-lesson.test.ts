import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadLessons } from './load-lessons.js';
import { LessonFormatError, parseLesson } from './parse-lesson.js';
import { solveNodes, solvePlan } from './solve-plan.js';

test('the 13 lessons of the talk load, in order, with checks and solutions', () => {
  const lessons = loadLessons();
  assert.deepEqual(
    lessons.map((l) => l.id),
    Array.from({ length: 13 }, (_, i) => `L${i + 1}`),
  );
  for (const lesson of lessons) {
    assert.ok(
      lesson.steps.some((s) => s.checks.length > 0),
      `${lesson.id} has checked steps`,
    );
    for (const step of lesson.steps) {
      for (const command of [...step.commands, ...step.solution]) {
        assert.ok(Number(command.node.slice(6)) <= lesson.nodes, `${lesson.id} ${step.id}: ${command.node}`);
      }
    }
  }
  const [first] = lessons[0].steps;
  assert.equal(first.id, 'initialize-the-swarm');
  assert.deepEqual(first.commands, [
    { node: 'swarm-1', script: 'docker swarm init --advertise-addr $SWARM_1' },
  ]);
  assert.equal(first.checks.length, 3);
  assert.equal(first.hints.length, 2);
  assert.deepEqual(
    first.parts.map((p) => p.kind),
    ['markdown', 'command', 'markdown'],
  );
});

test('a solve script runs the lessons a lesson starts after, first', () => {
  const lessons = loadLessons();
  const plan = solvePlan(lessons, 'L7');
  assert.deepEqual([...new Set(plan.map((s) => s.lesson))], ['L1', 'L3', 'L5', 'L6', 'L7']);
  assert.equal(plan[0].step, 'initialize-the-swarm');
  assert.ok(plan.every((s) => s.checks.length === 0 || s.commands.length > 0));
  assert.equal(solveNodes(lessons, 'L7'), 3);
  assert.throws(() => solvePlan(lessons, 'L99'), /no lesson L99/);
});

test('format mistakes name the file and line', () => {
  const lesson =
    (body: string, front = 'id: L1\ntitle: T\nnodes: 2') =>
    () =>
      parseLesson(`---\n${front}\n---\n${body}`, 'x.md');
  assert.throws(
    lesson('## A\n\n```check\nnodes: count = 1\n```\n'),
    (e: Error) => e instanceof LessonFormatError && /^x\.md:9: count takes/.test(e.message),
  );
  assert.throws(
    lesson('## A\n\n```sh swarm-3\nls\n```\n'),
    /x\.md:8: swarm-3 is beyond the lesson's 2 nodes/,
  );
  assert.throws(lesson('## A\n\n```check\nnodes: count == 1\n```\n'), /has checks but no solution/);
  assert.throws(lesson('Just text.\n'), /at least one "## " step/);
  assert.throws(lesson('## A\n## A\n'), /two steps are called "A"/);
  assert.throws(lesson('## A\n', 'id: L1\ntitle: T'), /front matter needs "nodes:"/);
  assert.throws(() => parseLesson('# no front matter', 'y.md'), /y\.md: a lesson starts with front matter/);
  assert.throws(lesson('```check\nnodes: count == 1\n```\n'), /belongs in a step/);
});
