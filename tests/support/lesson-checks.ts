import type { LabNode } from '../../labs/provider.js';
import { createCheckContext } from '../../lessons/checks/check-context.js';
import { takeSnapshot } from '../../lessons/checks/cluster-snapshot.js';
import { evaluateCheck } from '../../lessons/checks/evaluate-check.js';
import { predicates } from '../../lessons/checks/predicates.js';
import type { Lesson } from '../../lessons/format/lesson.js';
import { loadLessons } from '../../lessons/format/load-lessons.js';

let lessons: Lesson[] | undefined;

/**
 * Waits until every check of a lesson's step passes on the lab, as the workshop turns the step green; throws
 * with the checks still failing after `timeoutMs`. Proves a lesson's own checks agree with what the commands did.
 */
export async function stepPasses(
  nodes: LabNode[],
  lessonId: string,
  stepId: string,
  timeoutMs = 60_000,
): Promise<void> {
  lessons ??= loadLessons();
  const lesson = lessons.find((l) => l.id === lessonId);
  const step = lesson?.steps.find((s) => s.id === stepId);
  if (!step) {
    throw new Error(
      `no step ${stepId} in ${lessonId} (steps: ${lesson?.steps.map((s) => s.id).join(', ') ?? 'no such lesson'})`,
    );
  }
  const target = { nodes: nodes.map((n) => ({ name: n.name, addr: n.addr, dockerHost: n.dockerHost })) };
  const memo = new Map<string, unknown>();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ctx = createCheckContext(target, await takeSnapshot(target), memo);
    const results = await Promise.all(step.checks.map((check) => evaluateCheck(check, ctx, predicates)));
    const failing = results.filter((r) => !r.ok).map((r) => r.message);
    if (failing.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`${lessonId} "${step.title}": checks still failing: ${failing.join('; ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
