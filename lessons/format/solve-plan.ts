import type { Check } from '../checks/check-types.js';
import type { Lesson, LessonCommand } from './lesson.js';

/** One step of a solve script: run the commands on their nodes, then wait until the checks pass. */
export interface SolveStep {
  lesson: string;
  step: string;
  title: string;
  commands: LessonCommand[];
  checks: Check[];
}

/**
 * The solve script of a lesson: the solutions of the lessons it starts after (its `after` chain, oldest
 * first), then its own, step by step. `swarmlab lessons test` runs it in a fresh lab to prove the lesson works.
 */
export function solvePlan(lessons: Lesson[], lessonId: string): SolveStep[] {
  const byId = new Map(lessons.map((l) => [l.id, l]));
  const chain: Lesson[] = [];
  for (let id: string | undefined = lessonId; id; id = byId.get(id)?.after) {
    const lesson = byId.get(id);
    if (!lesson) throw new Error(`no lesson ${id}`);
    if (chain.includes(lesson)) throw new Error(`lesson ${id} comes after itself`);
    chain.unshift(lesson);
  }
  return chain.flatMap((lesson) =>
    lesson.steps
      .filter((step) => step.solution.length > 0 || step.checks.length > 0)
      .map((step) => ({
        lesson: lesson.id,
        step: step.id,
        title: step.title,
        commands: step.solution,
        checks: step.checks,
      })),
  );
}

/** The nodes a lesson chain needs: the most any lesson of it asks for. */
export function solveNodes(lessons: Lesson[], lessonId: string): number {
  const byId = new Map(lessons.map((l) => [l.id, l]));
  let nodes = 1;
  for (let id: string | undefined = lessonId; id; id = byId.get(id)?.after)
    nodes = Math.max(nodes, byId.get(id)?.nodes ?? 1);
  return nodes;
}
