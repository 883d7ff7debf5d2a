import { Marked } from 'marked';
import type { Lesson } from '../../lessons/format/lesson.js';
import type { LessonSummary, LessonView } from '../protocol/lesson-view.js';

const markdown = new Marked({ gfm: true, async: false });

function html(text: string): string {
  return markdown.parse(text) as string;
}

/** Lessons as the browser gets them: rendered once to HTML, looked up by id. */
export class LessonCatalog {
  private readonly byId: Map<string, Lesson>;
  private readonly views = new Map<string, LessonView>();

  constructor(readonly lessons: Lesson[]) {
    if (lessons.length === 0) throw new Error('the workshop has no lessons');
    this.byId = new Map(lessons.map((l) => [l.id, l]));
  }

  get(id: string): Lesson | undefined {
    return typeof id === 'string' ? this.byId.get(id) : undefined;
  }

  get first(): Lesson {
    return this.lessons[0];
  }

  /** Steps that have checks: the ones that count for progress. */
  static checkedSteps(lesson: Lesson): number {
    return lesson.steps.filter((s) => s.checks.length > 0).length;
  }

  summaries(passed: Map<string, number>): LessonSummary[] {
    return this.lessons.map((l) => ({
      id: l.id,
      title: l.title,
      nodes: l.nodes,
      passed: passed.get(l.id) ?? 0,
      steps: LessonCatalog.checkedSteps(l),
    }));
  }

  view(id: string): LessonView | undefined {
    const cached = this.views.get(id);
    if (cached) return cached;
    const lesson = this.get(id);
    if (!lesson) return undefined;
    const view: LessonView = {
      id: lesson.id,
      title: lesson.title,
      nodes: lesson.nodes,
      introHtml: html(lesson.intro),
      steps: lesson.steps.map((step) => ({
        id: step.id,
        title: step.title,
        html: step.parts
          .map((part) =>
            part.kind === 'markdown'
              ? html(part.text)
              : `<div class="command" data-command="${part.index}"></div>`,
          )
          .join('\n'),
        commands: step.commands.map((c) => ({ node: c.node, command: c.script })),
        hintsHtml: step.hints.map(html),
        solution: step.solution.map((c) => ({ node: c.node, command: c.script })),
      })),
    };
    this.views.set(id, view);
    return view;
  }
}
