/** Lessons as the browser shows them, and the live state of their steps. No Node or DOM imports. */

export interface LessonSummary {
  id: string;
  title: string;
  /** Nodes the lesson needs. */
  nodes: number;
  /** Steps passed by this learner, of `steps`. */
  passed: number;
  steps: number;
}

/** A command the learner can click to paste into a node's terminal. */
export interface CommandView {
  node: string;
  command: string;
}

export interface StepView {
  id: string;
  title: string;
  /**
   * The step's text as HTML. Each command block is an element `<div class="command" data-command="N">` holding
   * the rendered command; N indexes `commands`.
   */
  html: string;
  commands: CommandView[];
  hintsHtml: string[];
  /** The commands that solve the step, per node; revealed on request. */
  solution: CommandView[];
}

export interface LessonView {
  id: string;
  title: string;
  nodes: number;
  introHtml: string;
  steps: StepView[];
}

export interface CheckResultView {
  ok: boolean;
  /** What the check found, in plain words ("expected 3 nodes, found 1: ..."). */
  message: string;
}

export interface StepStatus {
  id: string;
  /** Passed now or before: a passed step stays green. */
  passed: boolean;
  passedAt?: string;
  checks: CheckResultView[];
}

export interface StepsStatus {
  lessonId: string;
  /** Why checks cannot run, e.g. "Start a lab to begin". */
  waiting?: string;
  steps: StepStatus[];
}
