import { createCheckContext } from '../../lessons/checks/check-context.js';
import type { ClusterSnapshot, LabTarget } from '../../lessons/checks/cluster-snapshot.js';
import { evaluateCheck } from '../../lessons/checks/evaluate-check.js';
import { predicates } from '../../lessons/checks/predicates.js';
import type { Lesson } from '../../lessons/format/lesson.js';
import type { StepStatus, StepsStatus } from '../protocol/lesson-view.js';
import type { ProgressStore } from '../store/progress-store.js';

/**
 * Evaluates one learner's steps of a lesson against its lab's live state. Steps pass in order (a step's
 * checks run once the steps before it passed), and a passed step stays passed: it is stored.
 */
export class StepTracker {
  /** Per lesson: what predicates remember between runs. */
  private readonly memos = new Map<string, Map<string, unknown>>();

  constructor(
    private readonly store: ProgressStore,
    readonly learnerId: string,
  ) {}

  /** Forgets what predicates remembered of a lesson (when it is restarted or the lab is new). */
  forget(lessonId?: string): void {
    if (lessonId) this.memos.delete(lessonId);
    else this.memos.clear();
  }

  async evaluate(
    lesson: Lesson,
    lab: { target: LabTarget; snapshot: ClusterSnapshot } | undefined,
    waiting?: string,
  ): Promise<StepsStatus> {
    const passed = this.store.passedSteps(this.learnerId, lesson.id);
    let memo = this.memos.get(lesson.id);
    if (!memo) this.memos.set(lesson.id, (memo = new Map()));
    const ctx = lab ? createCheckContext(lab.target, lab.snapshot, memo) : undefined;
    const steps: StepStatus[] = [];
    let blocked = false;
    for (const step of lesson.steps) {
      const passedAt = passed.get(step.id);
      if (passedAt) {
        steps.push({ id: step.id, passed: true, passedAt, checks: [] });
        continue;
      }
      if (step.checks.length === 0 || blocked || !ctx) {
        steps.push({ id: step.id, passed: false, checks: [] });
        continue;
      }
      const all = await Promise.all(step.checks.map((check) => evaluateCheck(check, ctx, predicates)));
      // Several checks often fail for one reason ("no node is in a swarm yet"): say it once.
      const results = all.filter((r, i) => all.findIndex((o) => o.message === r.message) === i);
      if (results.every((r) => r.ok)) {
        const at = this.store.markPassed(this.learnerId, lesson.id, step.id);
        steps.push({ id: step.id, passed: true, passedAt: at, checks: results });
      } else {
        steps.push({ id: step.id, passed: false, checks: results });
        blocked = true;
      }
    }
    return {
      lessonId: lesson.id,
      ...(ctx
        ? {}
        : { waiting: waiting ?? 'Start a lab to begin: the steps turn green as your cluster gets there.' }),
      steps,
    };
  }
}
