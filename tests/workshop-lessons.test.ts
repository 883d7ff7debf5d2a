// Lesson checks against real labs: what they read from live nodes, the words they fail with, and the solve
// scripts that prove lessons can be done.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { LocalProvider } from '../labs/local/local-provider.js';
import type { LabHandle } from '../labs/provider.js';
import { createCheckContext } from '../lessons/checks/check-context.js';
import { takeSnapshot } from '../lessons/checks/cluster-snapshot.js';
import { evaluateCheck } from '../lessons/checks/evaluate-check.js';
import { parseCheck } from '../lessons/checks/parse-check.js';
import { predicates } from '../lessons/checks/predicates.js';
import { loadLessons } from '../lessons/format/load-lessons.js';
import { visualizerView } from '../server/cluster/visualizer-view.js';
import { LabEnvironment } from '../server/labs/lab-environment.js';
import { runSolve } from '../server/lessons/solve-runner.js';

const scratch = mkdtempSync(join(tmpdir(), 'swarmlab-lessons-'));
const provider = new LocalProvider({ labsDir: join(scratch, 'nodes') });
let handle: LabHandle;

before(async () => {
  handle = await provider.create({ nodes: 3 });
});

after(async () => {
  await handle?.destroy();
  rmSync(scratch, { recursive: true, force: true });
});

const target = () => ({
  nodes: handle.lab.nodes.map((n) => ({ name: n.name, addr: n.addr, dockerHost: n.dockerHost })),
});

async function check(line: string) {
  const ctx = createCheckContext(target(), await takeSnapshot(target()));
  return evaluateCheck(parseCheck(line), ctx, predicates);
}

test('checks read live nodes before any swarm exists, and say what is missing', async () => {
  assert.deepEqual(await check('info on each: Swarm.LocalNodeState == inactive'), {
    ok: true,
    message:
      'swarm-1: Swarm.LocalNodeState == inactive; swarm-2: Swarm.LocalNodeState == inactive; swarm-3: Swarm.LocalNodeState == inactive',
  });
  assert.deepEqual(await check('info on swarm-2: Name == swarm-2, NCPU >= 1'), {
    ok: true,
    message: 'swarm-2: Name == swarm-2, swarm-2: NCPU >= 1',
  });
  assert.deepEqual(await check('info on swarm-1: Swarm.LocalNodeState == active'), {
    ok: false,
    message: 'swarm-1: expected Swarm.LocalNodeState == active, found inactive',
  });
  for (const line of [
    'nodes: count == 1',
    'running tasks of web: count == 3',
    'swarm: JoinTokens.Worker exists',
  ]) {
    assert.deepEqual(
      await check(line),
      { ok: false, message: 'no node is in a swarm yet (docker swarm init creates one)' },
      line,
    );
  }
  assert.deepEqual(await check('info on swarm-9: Name exists'), {
    ok: false,
    message: 'the lab has no node swarm-9 (it has swarm-1, swarm-2, swarm-3)',
  });
  const probe = await check('http swarm-1 :9/: status == 200');
  assert.equal(probe.ok, false);
  assert.match(
    probe.message,
    /^http:\/\/127\.\d+\.\d+\.1:9\/ \(swarm-1\) does not answer: connection refused/,
  );
  assert.deepEqual(await check('predicate api-answers swarm-3 /version'), {
    ok: true,
    message: 'swarm-3 answers GET /version',
  });
  const image = await check('image alpine:0.0-missing on swarm-1: Config.Env exists');
  assert.equal(image.ok, false);
  assert.match(image.message, /alpine:0.0-missing/);
});

test('the visualizer shows no swarm until there is one', async () => {
  const view = visualizerView(await takeSnapshot(target()));
  assert.deepEqual(view, {
    swarm: 'inactive',
    message: 'No swarm yet: run docker swarm init on swarm-1.',
    nodes: [],
    unassigned: [],
  });
});

test('the solve scripts of L1 and L3 build a swarm of three the lessons accept', async () => {
  const environment = new LabEnvironment(
    join(scratch, 'env'),
    handle.lab,
    process.env.SWARMLAB_DOCKER_CLI || 'auto',
  );
  const report = await runSolve(environment, loadLessons(), 'L3', { stepTimeoutMs: 60_000 });
  assert.deepEqual(
    report.steps.map((s) => [s.lesson, s.step, s.ok, s.failures]),
    [
      ['L1', 'initialize-the-swarm', true, []],
      ['L3', 'get-the-join-token', true, []],
      ['L3', 'join-swarm-2-and-swarm-3', true, []],
    ],
  );
  const view = visualizerView(await takeSnapshot(target()));
  assert.equal(view.swarm, 'active');
  assert.deepEqual(
    view.nodes.map((n) => [n.name, n.role, n.status]),
    [
      ['swarm-1', 'manager', 'ready'],
      ['swarm-2', 'worker', 'ready'],
      ['swarm-3', 'worker', 'ready'],
    ],
  );
  assert.equal(view.nodes.filter((n) => n.leader).length, 1);
});
