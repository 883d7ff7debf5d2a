import { Lexer, type Token } from 'marked';
import { parseCheck } from '../checks/parse-check.js';
import type { Lesson, LessonCommand, LessonStep } from './lesson.js';

/** A lesson file that does not follow the format; the message names the file and line. */
export class LessonFormatError extends Error {
  override name = 'LessonFormatError';
}

const nodePattern = /^swarm-[1-9]$/;
const shellLanguages = new Set(['sh', 'bash', 'shell', 'console']);

function frontMatter(
  text: string,
  file: string,
): { fields: Record<string, string>; body: string; bodyLine: number } {
  const found = /^---\n([\s\S]*?)\n---\n/.exec(text);
  if (!found)
    throw new LessonFormatError(
      `${file}: a lesson starts with front matter between --- lines (id, title, nodes)`,
    );
  const fields: Record<string, string> = {};
  for (const line of found[1].split('\n')) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const field = /^([a-z]+):\s*(.*)$/.exec(line);
    if (!field) throw new LessonFormatError(`${file}: front matter lines are "key: value", not "${line}"`);
    fields[field[1]] = field[2].trim().replace(/^"(.*)"$/, '$1');
  }
  return { fields, body: text.slice(found[0].length), bodyLine: found[0].split('\n').length };
}

/** A URL- and storage-friendly id for a step title. */
export function slug(title: string): string {
  return (
    title
      .toLowerCase()
      .replace(/[`'"]/g, '')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'step'
  );
}

/**
 * Parses a lesson: front matter (id, title, nodes, optional after), an intro, then one `## heading` per step.
 * In a step, fenced blocks carry meaning by their info string:
 *   sh swarm-1        a command the learner clicks to paste into swarm-1's terminal
 *   check             declarative checks, one per line (see lessons/README.md)
 *   hint              a hint, in markdown
 *   solution swarm-2  commands that do the step on swarm-2 (shown on request; the lesson's solve script)
 */
export function parseLesson(text: string, file: string): Lesson {
  const { fields, body, bodyLine } = frontMatter(text.replace(/\r\n/g, '\n'), file);
  for (const key of ['id', 'title', 'nodes']) {
    if (!fields[key]) throw new LessonFormatError(`${file}: front matter needs "${key}:"`);
  }
  if (!/^L\d+$/.test(fields.id))
    throw new LessonFormatError(`${file}: id is L1, L2, ..., not "${fields.id}"`);
  const nodes = Number(fields.nodes);
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 9)
    throw new LessonFormatError(`${file}: nodes is 1 to 9, not "${fields.nodes}"`);
  const lesson: Lesson = { id: fields.id, title: fields.title, nodes, file, intro: '', steps: [] };
  if (fields.after && fields.after !== 'none') lesson.after = fields.after;

  let line = bodyLine;
  let step: LessonStep | undefined;
  const where = () => `${file}:${line}`;
  const checkNode = (node: string | undefined, what: string): string => {
    if (!node || !nodePattern.test(node))
      throw new LessonFormatError(
        `${where()}: ${what} needs a node: swarm-1 .. swarm-9, not "${node ?? ''}"`,
      );
    if (Number(node.slice(6)) > nodes)
      throw new LessonFormatError(`${where()}: ${node} is beyond the lesson's ${nodes} nodes`);
    return node;
  };
  const appendMarkdown = (raw: string) => {
    if (!step) {
      lesson.intro += raw;
      return;
    }
    const last = step.parts.at(-1);
    if (last?.kind === 'markdown') last.text += raw;
    else step.parts.push({ kind: 'markdown', text: raw });
  };

  for (const token of new Lexer().lex(body) as Token[]) {
    if (token.type === 'heading' && token.depth <= 2) {
      if (token.depth === 1)
        throw new LessonFormatError(
          `${where()}: the title comes from the front matter; steps are "## " headings`,
        );
      const title = token.text.trim();
      const id = slug(title);
      if (lesson.steps.some((s) => s.id === id))
        throw new LessonFormatError(`${where()}: two steps are called "${title}"`);
      step = { id, title, parts: [], commands: [], checks: [], hints: [], solution: [] };
      lesson.steps.push(step);
    } else if (token.type === 'code' && token.codeBlockStyle !== 'indented') {
      const [language = '', node, ...rest] = (token.lang ?? '').trim().split(/\s+/);
      const script = token.text.replace(/\n+$/, '');
      const inStep = (what: string): LessonStep => {
        if (!step)
          throw new LessonFormatError(
            `${where()}: a ${what} block belongs in a step (after a "## " heading)`,
          );
        return step;
      };
      if (language === 'check') {
        const owner = inStep('check');
        script.split('\n').forEach((source: string, i: number) => {
          if (source.trim() === '' || source.trim().startsWith('#')) return;
          try {
            owner.checks.push(parseCheck(source));
          } catch (error) {
            throw new LessonFormatError(`${file}:${line + 1 + i}: ${(error as Error).message}`);
          }
        });
      } else if (language === 'hint') {
        inStep('hint').hints.push(script);
      } else if (language === 'solution') {
        inStep('solution').solution.push({ node: checkNode(node, 'a solution block'), script });
      } else if (shellLanguages.has(language) && node !== undefined && rest.length === 0) {
        const command: LessonCommand = { node: checkNode(node, 'a command block'), script };
        if (!step) throw new LessonFormatError(`${where()}: a command block belongs in a step`);
        step.commands.push(command);
        step.parts.push({ kind: 'command', index: step.commands.length - 1 });
      } else {
        appendMarkdown(token.raw);
      }
    } else {
      appendMarkdown(token.raw);
    }
    line += (token.raw.match(/\n/g) ?? []).length;
  }
  if (lesson.steps.length === 0) throw new LessonFormatError(`${file}: a lesson has at least one "## " step`);
  for (const s of lesson.steps) {
    if (s.checks.length > 0 && s.solution.length === 0) {
      throw new LessonFormatError(
        `${file}: step "${s.title}" has checks but no solution block (its solve script)`,
      );
    }
  }
  return lesson;
}
