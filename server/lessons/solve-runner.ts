import { spawn } from 'node:child_process';
import { createCheckContext } from '../../lessons/checks/check-context.js';
import type { CheckResult } from '../../lessons/checks/check-types.js';
import { takeSnapshot } from '../../lessons/checks/cluster-snapshot.js';
import { evaluateCheck } from '../../lessons/checks/evaluate-check.js';
import { predicates } from '../../lessons/checks/predicates.js';
import type { Lesson } from '../../lessons/format/lesson.js';
import { solvePlan } from '../../lessons/format/solve-plan.js';
import type { LabEnvironment } from '../labs/lab-environment.js';

export interface SolveStepReport {
  lesson: string;
  step: string;
  title: string;
  ok: boolean;
  ms: number;
  /** What the solution's commands printed. */
  output: string;
  /** Why it failed: a command's exit, or the checks still missing after the timeout. */
  failures: string[];
}

export interface SolveReport {
  lesson: string;
  ok: boolean;
  steps: SolveStepReport[];
}

export interface SolveOptions {
  /** How long a step's checks may take to pass after its commands ran. */
  stepTimeoutMs?: number;
  onStep?: (report: SolveStepReport) => void;
}

function runScript(
  environment: LabEnvironment,
  nodeName: string,
  script: string,
): Promise<{ code: number; output: string }> {
  const node = environment.lab.nodes.find((n) => n.name === nodeName);
  if (!node) return Promise.resolve({ code: 127, output: `the lab has no node ${nodeName}` });
  const shell = environment.scriptOf(node, script);
  return new Promise((resolve) => {
    const child = spawn(shell.file, shell.args, {
      cwd: shell.cwd,
      env: shell.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    child.on('error', (error) => resolve({ code: 127, output: error.message }));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/**
 * Runs a lesson's solve script in a lab: for each step (of the lessons it starts after, then its own), the
 * solution's commands on their nodes, then the step's checks until they pass. Proves a lesson can be done.
 */
export async function runSolve(
  environment: LabEnvironment,
  lessons: Lesson[],
  lessonId: string,
  options: SolveOptions = {},
): Promise<SolveReport> {
  const stepTimeoutMs = options.stepTimeoutMs ?? 90_000;
  const target = {
    nodes: environment.lab.nodes.map((n) => ({ name: n.name, addr: n.addr, dockerHost: n.dockerHost })),
  };
  const memos = new Map<string, Map<string, unknown>>();
  const evaluate = async (
    lesson: string,
    checks: Lesson['steps'][number]['checks'],
  ): Promise<CheckResult[]> => {
    let memo = memos.get(lesson);
    if (!memo) memos.set(lesson, (memo = new Map()));
    const ctx = createCheckContext(target, await takeSnapshot(target), memo);
    return Promise.all(checks.map((check) => evaluateCheck(check, ctx, predicates)));
  };
  const steps: SolveStepReport[] = [];
  for (const step of solvePlan(lessons, lessonId)) {
    const started = performance.now();
    const report: SolveStepReport = {
      lesson: step.lesson,
      step: step.step,
      title: step.title,
      ok: false,
      ms: 0,
      output: '',
      failures: [],
    };
    await evaluate(step.lesson, step.checks); // as a learner's page does before they act (predicates remember)
    for (const command of step.commands) {
      const { code, output } = await runScript(environment, command.node, command.script);
      report.output += output;
      if (code !== 0) {
        const said = output.trim().split('\n').slice(-3).join(' / ');
        report.failures.push(
          `on ${command.node}, "${command.script}" exited with code ${code}${said ? `: ${said}` : ''}`,
        );
      }
    }
    const deadline = Date.now() + stepTimeoutMs;
    while (report.failures.length === 0) {
      const results = await evaluate(step.lesson, step.checks);
      if (results.every((r) => r.ok)) {
        report.ok = true;
        break;
      }
      if (Date.now() > deadline) {
        report.failures.push(...results.filter((r) => !r.ok).map((r) => r.message));
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    report.ms = performance.now() - started;
    steps.push(report);
    options.onStep?.(report);
    if (!report.ok) break;
  }
  return { lesson: lessonId, ok: steps.length > 0 && steps.every((s) => s.ok), steps };
}
