/**
 * @module A small data-driven test format: blocks of `command args...`, a `----` line, then the expected
 * output, separated by blank lines. `UPDATE=1` rewrites the expected outputs from the actual ones.
 */
import { readFileSync, writeFileSync } from 'node:fs';

/** One test case of a script. */
export interface Case {
  line: number;
  command: string;
  args: string[];
  expected: string;
}

/** Parses a script. Lines starting with # outside an expected output are comments. */
export function parseScript(text: string): Case[] {
  const lines = text.split('\n');
  const cases: Case[] = [];
  let i = 0;
  while (i < lines.length) {
    const raw = lines[i]!;
    if (raw.trim() === '' || raw.startsWith('#')) {
      i++;
      continue;
    }
    const [command, ...args] = raw.trim().split(/\s+/);
    const line = i + 1;
    i++;
    if (lines[i] !== '----') throw new Error(`line ${i + 1}: expected ---- after "${raw}"`);
    i++;
    const out: string[] = [];
    while (i < lines.length && lines[i] !== '') out.push(lines[i++]!);
    cases.push({ line, command: command!, args, expected: out.join('\n') });
  }
  return cases;
}

/** Formats cases back into a script. */
export function formatScript(
  cases: { command: string; args: string[]; expected: string }[],
  header: string,
): string {
  const blocks = cases.map((c) =>
    `${[c.command, ...c.args].join(' ')}\n----\n${c.expected}`.replace(/\n$/, ''),
  );
  return `${header}${blocks.join('\n\n')}\n`;
}

/**
 * Runs a script file through `run` (which returns a case's actual output). Returns the mismatches; with
 * UPDATE=1 in the environment, rewrites the file instead.
 */
export function runScript(
  path: string,
  run: (c: Case) => string,
): { line: number; command: string; expected: string; actual: string }[] {
  const text = readFileSync(path, 'utf8');
  const header = text.slice(0, text.search(/^[^#\n]/m) === -1 ? text.length : text.search(/^[^#\n]/m));
  const cases = parseScript(text);
  const results = cases.map((c) => ({ ...c, actual: run(c).replace(/\n+$/, '') }));
  if (process.env.UPDATE === '1') {
    writeFileSync(
      path,
      formatScript(
        results.map((r) => ({ command: r.command, args: r.args, expected: r.actual || 'ok' })),
        header,
      ),
    );
    return [];
  }
  return results
    .filter((r) => (r.actual || 'ok') !== r.expected)
    .map((r) => ({
      line: r.line,
      command: [r.command, ...r.args].join(' '),
      expected: r.expected,
      actual: r.actual || 'ok',
    }));
}
