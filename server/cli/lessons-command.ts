import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalProvider } from '../../labs/local/local-provider.js';
import { loadLessons } from '../../lessons/format/load-lessons.js';
import { solveNodes } from '../../lessons/format/solve-plan.js';
import { LabEnvironment } from '../labs/lab-environment.js';
import { runSolve } from '../lessons/solve-runner.js';

export const lessonsUsage = `Usage:  swarmlab lessons COMMAND

The workshop's lessons.

Commands:
  ls     List the lessons and their steps
  test   Prove lessons work: run each one's solve script in a fresh local lab and wait for its checks

Run 'swarmlab lessons test [LESSON...]' (default: every lesson).
`;

const lessonsTestUsage = `Usage:  swarmlab lessons test [LESSON...]

Prove lessons work: for each lesson (default: all of them, e.g. L1 L5), start a fresh local lab, run the
lesson's solve script in it and wait until every step's checks pass. Exits 1 if any lesson fails.
`;

const lessonsLsUsage = `Usage:  swarmlab lessons ls

List the lessons and their steps ("*": the step has checks).
`;

/** `swarmlab lessons ls | test [L1 ...]`; resolves with the exit code. */
export async function lessonsCommand(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    process.stdout.write(lessonsUsage);
    return 0;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    const usage = { ls: lessonsLsUsage, test: lessonsTestUsage }[command];
    process.stdout.write(usage ?? lessonsUsage);
    return 0;
  }
  let lessons: ReturnType<typeof loadLessons>;
  try {
    lessons = loadLessons();
  } catch (error) {
    process.stderr.write(`swarmlab lessons: ${(error as Error).message}\n`);
    return 1;
  }
  if (command === 'ls') {
    for (const lesson of lessons) {
      process.stdout.write(
        `${lesson.id.padEnd(4)} ${lesson.title} (${lesson.nodes} nodes${lesson.after ? `, after ${lesson.after}` : ''})\n`,
      );
      for (const step of lesson.steps)
        process.stdout.write(`     ${step.checks.length ? '*' : ' '} ${step.title}\n`);
    }
    return 0;
  }
  if (command !== 'test') {
    process.stderr.write(
      `swarmlab lessons: '${command}' is not a lessons command.\nSee 'swarmlab lessons --help'\n`,
    );
    return 1;
  }
  const ids = rest.filter((a) => !a.startsWith('-'));
  for (const id of ids) {
    if (!lessons.some((l) => l.id === id)) {
      process.stderr.write(`swarmlab lessons: no lesson ${id} (see 'swarmlab lessons ls')\n`);
      return 1;
    }
  }
  const scratch = mkdtempSync(join(tmpdir(), 'swarmlab-lessons-'));
  const provider = new LocalProvider({ labsDir: join(scratch, 'nodes') });
  let failed = 0;
  try {
    for (const id of ids.length ? ids : lessons.map((l) => l.id)) {
      const handle = await provider.create({ nodes: solveNodes(lessons, id) });
      try {
        const environment = new LabEnvironment(
          join(scratch, 'labs', handle.lab.id),
          handle.lab,
          process.env.SWARMLAB_DOCKER_CLI || 'auto',
        );
        const report = await runSolve(environment, lessons, id, {
          onStep: (step) =>
            process.stdout.write(
              `${step.ok ? 'ok  ' : 'FAIL'} ${step.lesson} ${step.title} (${Math.round(step.ms)} ms)${step.failures.map((f) => `\n       ${f}`).join('')}\n`,
            ),
        });
        process.stdout.write(`${report.ok ? 'PASS' : 'FAIL'} ${id}\n`);
        if (!report.ok) failed++;
      } finally {
        await handle.destroy();
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return failed === 0 ? 0 : 1;
}
