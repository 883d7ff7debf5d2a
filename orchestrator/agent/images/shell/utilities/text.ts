import { readFileSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { type Proc, type Program, readAll } from '../process.js';

/** Splits `-n 5`, `-n5`, `-5` style options for head/tail. */
function lineCount(args: string[], fallback: number): { count: number; files: string[]; bad?: string } {
  let count = fallback;
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '-n') count = Number(args[++i]);
    else if (/^-n\d+$/.test(arg)) count = Number(arg.slice(2));
    else if (/^-\d+$/.test(arg)) count = Number(arg.slice(1));
    else if (arg.startsWith('-') && arg !== '-') return { count, files, bad: arg };
    else files.push(arg);
  }
  return { count: Number.isFinite(count) ? count : fallback, files };
}

function fileError(proc: Proc, tool: string, file: string, error: unknown): void {
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === 'ENOENT'
      ? 'No such file or directory'
      : code === 'EISDIR'
        ? 'Is a directory'
        : code === 'EACCES'
          ? 'Permission denied'
          : String((error as Error).message);
  proc.err(`${tool}: ${file === '-' ? 'standard input' : file}: ${reason}\n`);
}

/** Reads each named file (or stdin for none or `-`); reports unreadable ones and goes on. */
async function* inputs(
  proc: Proc,
  tool: string,
  files: string[],
): AsyncGenerator<{ name: string; data: Buffer } | { error: true }> {
  if (files.length === 0) files = ['-'];
  for (const file of files) {
    if (file === '-') {
      yield { name: '-', data: await readAll(proc.stdin as Readable, proc.signal) };
      continue;
    }
    try {
      const path = proc.container.fs.resolve(posix.resolve(proc.cwd, file));
      if (statSync(path).isDirectory()) throw Object.assign(new Error('dir'), { code: 'EISDIR' });
      yield { name: file, data: readFileSync(path) };
    } catch (error) {
      fileError(proc, tool, file, error);
      yield { error: true };
    }
  }
}

const escapes: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  e: '\x1b',
};

/** Interprets backslash escapes; returns the text and whether `\c` asked to stop output. */
function interpretEscapes(text: string): { text: string; stop: boolean } {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '\\' || i + 1 >= text.length) {
      out += c;
      continue;
    }
    const next = text[++i];
    if (next === 'c') return { text: out, stop: true };
    if (next in escapes) out += escapes[next];
    else if (next === '0') {
      const octal = /^[0-7]{0,3}/.exec(text.slice(i + 1))![0];
      out += String.fromCharCode(Number.parseInt(octal || '0', 8));
      i += octal.length;
    } else out += `\\${next}`;
  }
  return { text: out, stop: false };
}

export const echo: Program = async (proc) => {
  const args = proc.argv.slice(1);
  let newline = true;
  let interpret = false;
  while (args.length > 0 && /^-[neE]+$/.test(args[0])) {
    const flags = args.shift()!;
    if (flags.includes('n')) newline = false;
    if (flags.includes('e')) interpret = true;
    if (flags.includes('E')) interpret = false;
  }
  let text = args.join(' ');
  if (interpret) {
    const result = interpretEscapes(text);
    text = result.text;
    if (result.stop) newline = false;
  }
  proc.out(newline ? `${text}\n` : text);
  return 0;
};

export const printf: Program = async (proc) => {
  const [format, ...args] = proc.argv.slice(1);
  if (format === undefined) {
    proc.err('Usage: printf FORMAT [ARG]...\n');
    return 1;
  }
  let out = '';
  let used = 0;
  do {
    const start = used;
    out += format.replace(
      /%(-?\d*)(?:\.(\d+))?([sdixXobcu%])|\\(.)/g,
      (_match, width: string, precision: string, conv: string, esc: string) => {
        if (esc !== undefined) return interpretEscapes(`\\${esc}`).text;
        if (conv === '%') return '%';
        const arg = args[used++] ?? '';
        let value: string;
        switch (conv) {
          case 'd':
          case 'i':
          case 'u':
            value = String(Number.parseInt(arg || '0', 10) || 0);
            break;
          case 'x':
            value = (Number.parseInt(arg || '0', 10) || 0).toString(16);
            break;
          case 'X':
            value = (Number.parseInt(arg || '0', 10) || 0).toString(16).toUpperCase();
            break;
          case 'o':
            value = (Number.parseInt(arg || '0', 10) || 0).toString(8);
            break;
          case 'c':
            value = arg.slice(0, 1);
            break;
          case 'b':
            value = interpretEscapes(arg).text;
            break;
          default:
            value = precision !== undefined ? arg.slice(0, Number(precision)) : arg;
        }
        const pad = Number.parseInt(width || '0', 10);
        if (Math.abs(pad) > value.length) value = pad < 0 ? value.padEnd(-pad) : value.padStart(pad);
        return value;
      },
    );
    if (used === start) break;
  } while (used < args.length);
  proc.out(out);
  return 0;
};

export const cat: Program = async (proc) => {
  let status = 0;
  for await (const input of inputs(
    proc,
    'cat',
    proc.argv.slice(1).filter((a) => a === '-' || !a.startsWith('-')),
  )) {
    if ('error' in input) status = 1;
    else proc.out(input.data);
  }
  return status;
};

function splitLines(data: Buffer): string[] {
  const text = data.toString('utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line, i) => (i < lines.length - 1 || text.endsWith('\n') ? `${line}\n` : line));
}

export const head: Program = async (proc) => {
  const { count, files, bad } = lineCount(proc.argv.slice(1), 10);
  if (bad) {
    proc.err(`head: unrecognized option '${bad}'\n`);
    return 1;
  }
  let status = 0;
  for await (const input of inputs(proc, 'head', files)) {
    if ('error' in input) status = 1;
    else {
      if (files.length > 1) proc.out(`==> ${input.name} <==\n`);
      proc.out(splitLines(input.data).slice(0, count).join(''));
    }
  }
  return status;
};

export const tail: Program = async (proc) => {
  const { count, files, bad } = lineCount(proc.argv.slice(1), 10);
  if (bad) {
    proc.err(`tail: unrecognized option '${bad}'\n`);
    return 1;
  }
  let status = 0;
  for await (const input of inputs(proc, 'tail', files)) {
    if ('error' in input) status = 1;
    else {
      if (files.length > 1) proc.out(`==> ${input.name} <==\n`);
      const lines = splitLines(input.data);
      proc.out(lines.slice(Math.max(0, lines.length - count)).join(''));
    }
  }
  return status;
};

export const wc: Program = async (proc) => {
  const args = proc.argv.slice(1);
  const flags = args.filter((a) => a.startsWith('-') && a !== '-').join('');
  const files = args.filter((a) => a === '-' || !a.startsWith('-'));
  const all = !/[lwc]/.test(flags);
  let status = 0;
  const totals = [0, 0, 0];
  const row = (counts: number[], name?: string) => {
    const shown = counts.filter((_, i) => all || flags.includes('lwc'[i]));
    const text = shown.map((n) => (shown.length > 1 || name ? String(n).padStart(7) : String(n))).join(' ');
    proc.out(`${text}${name ? ` ${name}` : ''}\n`);
  };
  let rows = 0;
  for await (const input of inputs(proc, 'wc', files)) {
    if ('error' in input) {
      status = 1;
      continue;
    }
    const text = input.data.toString('utf8');
    const counts = [
      (text.match(/\n/g) ?? []).length,
      text.split(/\s+/).filter(Boolean).length,
      input.data.length,
    ];
    counts.forEach((n, i) => {
      totals[i] += n;
    });
    row(counts, input.name === '-' ? undefined : input.name);
    rows++;
  }
  if (rows > 1) row(totals, 'total');
  return status;
};

export const grep: Program = async (proc) => {
  const args = proc.argv.slice(1);
  const options = new Set<string>();
  let pattern: string | undefined;
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '-e') pattern = args[++i];
    else if (arg.startsWith('-') && arg.length > 1 && pattern === undefined && files.length === 0) {
      for (const flag of arg.slice(1)) options.add(flag);
    } else if (pattern === undefined) pattern = arg;
    else files.push(arg);
  }
  if (pattern === undefined) {
    proc.err(
      'Usage: grep [-HhnlLoqvsrRiwFE] [-m N] [-A|B|C N] { PATTERN | -e PATTERN... | -f FILE... } [FILE]...\n',
    );
    return 2;
  }
  let regex: RegExp;
  try {
    const source = options.has('F')
      ? pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      : options.has('E')
        ? pattern
        : pattern.replace(/\\([|(){}+?])/g, '$1');
    regex = new RegExp(options.has('w') ? `\\b(?:${source})\\b` : source, options.has('i') ? 'i' : '');
  } catch {
    proc.err(`grep: bad regex '${pattern}'\n`);
    return 2;
  }
  let matched = 0;
  let status = 0;
  for await (const input of inputs(proc, 'grep', files)) {
    if ('error' in input) {
      status = 2;
      continue;
    }
    let count = 0;
    splitLines(input.data).forEach((raw, index) => {
      const line = raw.replace(/\n$/, '');
      if (regex.test(line) === options.has('v')) return;
      count++;
      if (options.has('q') || options.has('c') || options.has('l')) return;
      const prefix = (files.length > 1 ? `${input.name}:` : '') + (options.has('n') ? `${index + 1}:` : '');
      proc.out(`${prefix}${line}\n`);
    });
    matched += count;
    if (options.has('c')) proc.out(`${files.length > 1 ? `${input.name}:` : ''}${count}\n`);
    if (options.has('l') && count > 0) proc.out(`${input.name === '-' ? '(standard input)' : input.name}\n`);
  }
  if (status === 2 && matched === 0) return 2;
  return matched > 0 ? 0 : 1;
};
