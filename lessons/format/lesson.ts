import type { Check } from '../checks/check-types.js';

/** A shell snippet for one node: a clickable command, or a line of a step's solution. */
export interface LessonCommand {
  /** swarm-1, swarm-2, ... */
  node: string;
  script: string;
}

/** A step's text, in order: markdown, and the places of its command blocks. */
export type StepPart = { kind: 'markdown'; text: string } | { kind: 'command'; index: number };

export interface LessonStep {
  /** A slug of the title: stable when steps are added around it (progress is stored by it). */
  id: string;
  title: string;
  parts: StepPart[];
  commands: LessonCommand[];
  /** All must pass for the step to turn green. */
  checks: Check[];
  /** Markdown, shown one at a time on request. */
  hints: string[];
  /** The commands that do the step, in order: revealed on request, and the lesson's solve script. */
  solution: LessonCommand[];
}

export interface Lesson {
  /** L1, L2, ... */
  id: string;
  title: string;
  /** Nodes the lesson needs. */
  nodes: number;
  /** The lesson whose end state this one starts from (its solve script runs first). */
  after?: string;
  /** The markdown file it was read from. */
  file: string;
  intro: string;
  steps: LessonStep[];
}
