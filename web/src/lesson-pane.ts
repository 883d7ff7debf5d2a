import type {
  CommandView,
  LessonSummary,
  LessonView,
  StepsStatus,
} from '../../server/protocol/lesson-view.js';
import { h } from './dom.js';

/** Where clicked commands go: the node's terminal. Returns false when the node has no terminal (no lab). */
export type PasteCommand = (node: string, command: string) => boolean;

function commandBlock(command: CommandView, paste: PasteCommand): HTMLElement {
  const block = h(
    'div',
    {
      class: 'command-block',
      title: `Click to paste into ${command.node}'s terminal`,
      role: 'button',
      tabindex: '0',
      'data-node': command.node,
    },
    h('span', { class: 'command-node' }, command.node),
    h('pre', {}, h('code', {}, command.command)),
  );
  const run = () => {
    if (paste(command.node, command.command)) {
      block.classList.add('pasted');
      setTimeout(() => block.classList.remove('pasted'), 600);
    } else {
      block.classList.add('no-terminal');
      setTimeout(() => block.classList.remove('no-terminal'), 1200);
    }
  };
  block.addEventListener('click', run);
  block.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      run();
    }
  });
  return block;
}

/** The lesson: intro, steps with clickable commands, hints and solutions, and each step's live status. */
export class LessonPane {
  private lesson: LessonView | undefined;
  private summaries: LessonSummary[] = [];

  constructor(
    private readonly root: HTMLElement,
    private readonly select: HTMLSelectElement,
    private readonly paste: PasteCommand,
    onOpen: (lessonId: string) => void,
    private readonly onRestart: (lessonId: string) => void,
  ) {
    select.addEventListener('change', () => onOpen(select.value));
  }

  setLessons(summaries: LessonSummary[], current: string): void {
    this.summaries = summaries;
    this.select.replaceChildren(
      ...summaries.map((l) =>
        h(
          'option',
          { value: l.id, selected: l.id === current },
          `${l.id} ${l.title}${l.steps && l.passed >= l.steps ? ' ✓' : ''}`,
        ),
      ),
    );
  }

  get current(): LessonView | undefined {
    return this.lesson;
  }

  render(lesson: LessonView): void {
    this.lesson = lesson;
    this.select.value = lesson.id;
    const intro = h('div', { class: 'intro' });
    intro.innerHTML = lesson.introHtml;
    const restart = h(
      'button',
      { class: 'link', title: 'Forget which steps you passed in this lesson' },
      'Do it again',
    );
    restart.addEventListener('click', () => this.onRestart(lesson.id));
    const steps = lesson.steps.map((step, index) => {
      const body = h('div', { class: 'step-body' });
      body.innerHTML = step.html;
      for (const slot of body.querySelectorAll<HTMLElement>('div.command[data-command]')) {
        const command = step.commands[Number(slot.dataset.command)];
        if (command) slot.replaceWith(commandBlock(command, this.paste));
      }
      const extras = h('div', { class: 'step-extras' });
      const hints = h('div', { class: 'hints' });
      let shown = 0;
      if (step.hintsHtml.length > 0) {
        const more = h('button', { class: 'link hint-button' }, 'Hint');
        more.addEventListener('click', () => {
          const hint = h('div', { class: 'hint' });
          hint.innerHTML = step.hintsHtml[shown++];
          hints.append(hint);
          if (shown >= step.hintsHtml.length) more.remove();
          else more.textContent = 'Another hint';
        });
        extras.append(more);
      }
      if (step.solution.length > 0) {
        const reveal = h('button', { class: 'link solution-button' }, 'Show solution');
        reveal.addEventListener('click', () => {
          reveal.replaceWith(
            h(
              'div',
              { class: 'solution' },
              h('div', { class: 'solution-title' }, 'Solution'),
              ...step.solution.map((c) => commandBlock(c, this.paste)),
            ),
          );
        });
        extras.append(reveal);
      }
      return h(
        'section',
        { class: 'step', 'data-step': step.id, 'data-status': 'pending' },
        h('h3', {}, h('span', { class: 'step-mark', 'aria-hidden': 'true' }), `${index + 1}. ${step.title}`),
        body,
        h('ul', { class: 'check-results' }),
        hints,
        extras,
      );
    });
    this.root.replaceChildren(
      h('div', { class: 'lesson-head' }, h('h2', {}, `${lesson.id} · ${lesson.title}`), restart),
      intro,
      h('div', { class: 'waiting', hidden: true }),
      ...steps,
    );
    this.root.scrollTop = 0;
  }

  /** Marks steps passed (green), failing (with what is missing) or not checked yet. */
  updateSteps(status: StepsStatus): void {
    if (!this.lesson || status.lessonId !== this.lesson.id) return;
    const waiting = this.root.querySelector<HTMLElement>('.waiting');
    if (waiting) {
      waiting.hidden = !status.waiting;
      waiting.textContent = status.waiting ?? '';
    }
    let currentMarked = false;
    for (const step of status.steps) {
      const section = this.root.querySelector<HTMLElement>(
        `section.step[data-step="${CSS.escape(step.id)}"]`,
      );
      if (!section) continue;
      const failing = step.checks.length > 0 && !step.passed;
      section.dataset.status = step.passed ? 'passed' : failing ? 'failing' : 'pending';
      const current = !currentMarked && failing;
      if (current) currentMarked = true;
      section.classList.toggle('current', current);
      const results = section.querySelector('.check-results');
      results?.replaceChildren(
        ...(step.passed ? [] : step.checks).map((c) =>
          h('li', { class: c.ok ? 'ok' : 'missing' }, c.message),
        ),
      );
    }
    const summary = this.summaries.find((l) => l.id === status.lessonId);
    if (summary) {
      const passed = status.steps.filter((s) => s.passed).length;
      if (passed !== summary.passed) {
        summary.passed = passed;
        this.setLessons(this.summaries, status.lessonId);
      }
    }
  }
}
