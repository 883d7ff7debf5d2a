import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { predicates } from '../checks/predicates.js';
import type { Lesson } from './lesson.js';
import { LessonFormatError, parseLesson } from './parse-lesson.js';

/** The lessons folder of the source tree (markdown is read from there, not from dist/). */
export const lessonsDir = fileURLToPath(new URL('../../../lessons/', import.meta.url));

/** Reads and checks every lesson (`*.md` but README.md) of a folder, in file name order. */
export function loadLessons(dir = lessonsDir): Lesson[] {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.md') && name !== 'README.md')
    .sort();
  const lessons = files.map((name) => parseLesson(readFileSync(join(dir, name), 'utf8'), name));
  const ids = new Set<string>();
  for (const lesson of lessons) {
    if (ids.has(lesson.id))
      throw new LessonFormatError(`${lesson.file}: another lesson already has id ${lesson.id}`);
    ids.add(lesson.id);
  }
  for (const lesson of lessons) {
    if (lesson.after && !ids.has(lesson.after))
      throw new LessonFormatError(`${lesson.file}: after: ${lesson.after} is not a lesson`);
    for (const step of lesson.steps) {
      for (const check of step.checks) {
        if (check.subject.kind === 'predicate' && !(check.subject.name in predicates)) {
          throw new LessonFormatError(
            `${lesson.file}: step "${step.title}" uses unknown predicate ${check.subject.name}`,
          );
        }
      }
    }
  }
  return lessons;
}
