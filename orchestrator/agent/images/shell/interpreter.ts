import { closeSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { posix } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { evaluateArithmetic } from './arith.js';
import { findProgram } from './commands.js';
import type { AndOr, Command, Pipeline, Redirect, Script, SimpleCommand, Word } from './parser.js';
import { parseScript, ShellSyntaxError } from './parser.js';
import { normalizeSignal, type Proc, signalExitCode } from './process.js';

/** The standard streams a command runs with. */
export interface Io {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

/** `exit` unwinding to the shell's top (or its subshell). */
class ExitRequest {
  constructor(readonly code: number) {}
}

/** Writes synchronously to a file descriptor: `>` and `>>` redirections, in order with what follows. */
class FileWriter extends Writable {
  constructor(private readonly fd: number) {
    super();
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    try {
      writeSync(this.fd, chunk);
      done();
    } catch (error) {
      done(error as Error);
    }
  }
  override _final(done: () => void): void {
    closeSync(this.fd);
    done();
  }
}

class NullWriter extends Writable {
  override _write(_chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    done();
  }
}

function errnoText(error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return 'No such file or directory';
  if (code === 'EISDIR') return 'Is a directory';
  if (code === 'EACCES' || code === 'EPERM') return 'Permission denied';
  if (code === 'ENOTDIR') return 'Not a directory';
  if (code === 'EROFS') return 'Read-only file system';
  return error instanceof Error ? error.message : String(error);
}

/** Reads one line (without its newline) from a stream, leaving the rest unread; null at the end. */
export async function readLine(input: Readable): Promise<string | null> {
  let line = '';
  for await (const chunk of input.iterator({ destroyOnReturn: false })) {
    const text = typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    const at = text.indexOf('\n');
    if (at >= 0) {
      line += text.slice(0, at);
      const rest = text.slice(at + 1);
      if (rest.length > 0) input.unshift(Buffer.from(rest));
      return line;
    }
    line += text;
  }
  return line.length > 0 ? line : null;
}

/** Unquoted text that makes a word a pattern: `*`, `?`, or a complete `[...]` class. */
const globChars = /[*?]|\[[^\]]+\]/;

function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    const close = c === '[' ? pattern.indexOf(']', i + 2) : -1;
    if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (close > 0) {
      const body = pattern
        .slice(i + 1, close)
        .replace(/^!/, '^')
        .replace(/\\/g, '\\\\');
      source += `[${body}]`;
      i = close;
    } else source += c.replace(/[.+^${}()|\\[\]]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/**
 * Runs parsed scripts for one `sh` process: variables live in the process environment (all exported),
 * positional parameters, `$?`, builtins (cd, exit, export, unset, set, shift, trap, exec, read, eval, wait).
 */
export class Shell {
  status = 0;
  private readonly jobs = new Set<Promise<number>>();
  private lastJob = 0;

  constructor(
    readonly proc: Proc,
    private positional: string[],
  ) {}

  /** Runs a script; `exit` ends it with its code (`exited` tells an interactive shell to stop reading). */
  async runTop(script: Script, io: Io): Promise<{ status: number; exited: boolean }> {
    try {
      return { status: await this.runScript(script, io), exited: false };
    } catch (error) {
      if (error instanceof ExitRequest) {
        this.status = error.code;
        return { status: error.code, exited: true };
      }
      throw error;
    }
  }

  private killed(): boolean {
    return this.proc.signal.aborted;
  }

  async runScript(script: Script, io: Io): Promise<number> {
    for (const item of script.items) {
      if (this.killed()) break;
      if (item.background) {
        const job = this.runAndOr(item.command, { ...io, stdin: Readable.from([]) }).catch(() => 1);
        this.jobs.add(job);
        void job.finally(() => this.jobs.delete(job));
        this.lastJob += 1;
        this.status = 0;
      } else {
        this.status = await this.runAndOr(item.command, io);
      }
    }
    if (this.killed()) this.status = signalExitCode(String(this.proc.signal.reason));
    return this.status;
  }

  private async runAndOr(list: AndOr, io: Io): Promise<number> {
    let status = await this.runPipeline(list.first, io);
    for (const { op, pipeline } of list.rest) {
      if (this.killed()) break;
      if ((op === '&&' && status === 0) || (op === '||' && status !== 0))
        status = await this.runPipeline(pipeline, io);
    }
    this.status = status;
    return status;
  }

  private async runPipeline(pipeline: Pipeline, io: Io): Promise<number> {
    let status: number;
    if (pipeline.commands.length === 1) {
      status = await this.runCommand(pipeline.commands[0], io);
    } else {
      const runs: Promise<number>[] = [];
      let input = io.stdin;
      pipeline.commands.forEach((command, i) => {
        const last = i === pipeline.commands.length - 1;
        const output = last ? io.stdout : new PassThrough();
        // Each pipeline stage runs in a subshell, as in ash: variables set there do not leak out.
        const stage = last ? this : this.subshell();
        runs.push(
          stage
            .runCommand(command, { stdin: input, stdout: output, stderr: io.stderr })
            .catch((error) => (error instanceof ExitRequest ? error.code : 1))
            .finally(() => {
              if (!last) output.end();
              if (stage !== this) this.proc.reap(stage.proc);
            }),
        );
        input = output as PassThrough;
      });
      const statuses = await Promise.all(runs);
      status = statuses[statuses.length - 1];
    }
    return pipeline.negate ? (status === 0 ? 1 : 0) : status;
  }

  private subshell(): Shell {
    const child = this.proc.child({ argv: this.proc.argv });
    const shell = new Shell(child, [...this.positional]);
    shell.status = this.status;
    return shell;
  }

  async runCommand(command: Command, io: Io): Promise<number> {
    if (command.type === 'simple') return this.runSimple(command, io);
    const redirected = await this.applyRedirects(command.redirects, io);
    if (!redirected) return 1;
    try {
      return await this.runCompound(command, redirected.io);
    } finally {
      redirected.close();
    }
  }

  private async runCompound(command: Exclude<Command, SimpleCommand>, io: Io): Promise<number> {
    switch (command.type) {
      case 'subshell': {
        const shell = this.subshell();
        try {
          return await shell.runScript(command.body, io);
        } catch (error) {
          if (error instanceof ExitRequest) return error.code;
          throw error;
        } finally {
          this.proc.reap(shell.proc);
        }
      }
      case 'group':
        return this.runScript(command.body, io);
      case 'if': {
        for (const clause of command.clauses) {
          if ((await this.runScript(clause.condition, io)) === 0) return this.runScript(clause.body, io);
          if (this.killed()) return this.status;
        }
        return command.otherwise ? this.runScript(command.otherwise, io) : 0;
      }
      case 'while': {
        let status = 0;
        for (;;) {
          const condition = await this.runScript(command.condition, io);
          if (this.killed()) return this.status;
          if ((condition === 0) === command.until) break;
          status = await this.runScript(command.body, io);
          if (this.killed()) return this.status;
          // Yield to the event loop, so a busy loop cannot starve the container's other work.
          await new Promise((resolve) => setImmediate(resolve));
        }
        return status;
      }
      case 'for': {
        const items = command.items ? await this.expandWords(command.items) : [...this.positional.slice(1)];
        let status = 0;
        for (const item of items) {
          this.proc.env.set(command.name, item);
          status = await this.runScript(command.body, io);
          if (this.killed()) return this.status;
        }
        return status;
      }
    }
  }

  private async runSimple(command: SimpleCommand, io: Io): Promise<number> {
    let argv: string[];
    try {
      argv = await this.expandWords(command.words);
    } catch (error) {
      if (error instanceof ExitRequest) throw error;
      io.stderr.write(`sh: ${error instanceof Error ? error.message : String(error)}\n`);
      return 1;
    }
    const assigns: [string, string][] = [];
    for (const { name, value } of command.assigns) assigns.push([name, await this.expandWord(value)]);
    if (argv.length === 0) {
      for (const [name, value] of assigns) this.proc.env.set(name, value);
      const redirected = await this.applyRedirects(command.redirects, io);
      redirected?.close();
      return redirected ? 0 : 1;
    }
    const redirected = await this.applyRedirects(command.redirects, io);
    if (!redirected) return 1;
    try {
      const builtin = await this.builtin(argv, redirected.io);
      if (builtin !== undefined) return builtin;
      return await this.spawn(argv, assigns, redirected.io);
    } finally {
      redirected.close();
    }
  }

  /** Runs a program in a child process. */
  async spawn(argv: string[], assigns: [string, string][], io: Io): Promise<number> {
    const env = new Map(this.proc.env);
    for (const [name, value] of assigns) env.set(name, value);
    const child = this.proc.child({ argv, env, stdin: io.stdin, stdout: io.stdout, stderr: io.stderr });
    try {
      const program = await findProgram(argv[0], child);
      if (!program) {
        io.stderr.write(`sh: ${argv[0]}: not found\n`);
        return 127;
      }
      return await program(child);
    } catch (error) {
      io.stderr.write(`${argv[0]}: ${error instanceof Error ? error.message : String(error)}\n`);
      return 1;
    } finally {
      this.proc.reap(child);
    }
  }

  private async builtin(argv: string[], io: Io): Promise<number | undefined> {
    const [name, ...args] = argv;
    const env = this.proc.env;
    switch (name) {
      case ':':
        return 0;
      case 'exit': {
        const code = args[0] === undefined ? this.status : Number.parseInt(args[0], 10);
        if (Number.isNaN(code)) {
          io.stderr.write(`sh: exit: Illegal number: ${args[0]}\n`);
          throw new ExitRequest(2);
        }
        throw new ExitRequest(code & 0xff);
      }
      case 'cd': {
        const target =
          args[0] === undefined
            ? env.get('HOME') || '/'
            : args[0] === '-'
              ? env.get('OLDPWD') || '/'
              : args[0];
        const path = posix.resolve(this.proc.cwd, target);
        try {
          readdirSync(this.proc.container.fs.resolve(path));
        } catch (error) {
          io.stderr.write(`sh: cd: can't cd to ${target}: ${errnoText(error)}\n`);
          return 2;
        }
        env.set('OLDPWD', this.proc.cwd);
        this.proc.cwd = path;
        env.set('PWD', path);
        return 0;
      }
      case 'export':
        for (const arg of args) {
          const eq = arg.indexOf('=');
          if (eq > 0) env.set(arg.slice(0, eq), arg.slice(eq + 1));
          else if (!env.has(arg)) env.set(arg, '');
        }
        if (args.length === 0 || args[0] === '-p') {
          for (const [key, value] of [...env].sort())
            io.stdout.write(`export ${key}='${value.replace(/'/g, `'"'"'`)}'\n`);
        }
        return 0;
      case 'unset':
        for (const arg of args) env.delete(arg);
        return 0;
      case 'set':
        if (args[0] === '--') this.positional = [this.positional[0], ...args.slice(1)];
        else if (args.length === 0)
          for (const [key, value] of [...env].sort()) io.stdout.write(`${key}='${value}'\n`);
        return 0;
      case 'shift': {
        const count = args[0] === undefined ? 1 : Number.parseInt(args[0], 10);
        if (Number.isNaN(count) || count > this.positional.length - 1) return 1;
        this.positional = [this.positional[0], ...this.positional.slice(1 + count)];
        return 0;
      }
      case 'trap':
        return this.trap(args, io);
      case 'exec':
        if (args.length === 0) return 0;
        throw new ExitRequest(await this.spawn(args, [], io));
      case 'eval': {
        const source = args.join(' ');
        try {
          return await this.runScript(parseScript(source), io);
        } catch (error) {
          if (error instanceof ShellSyntaxError) {
            io.stderr.write(`sh: ${error.message}\n`);
            return 2;
          }
          throw error;
        }
      }
      case 'read': {
        const names = args.filter((arg) => !arg.startsWith('-'));
        const line = await readLine(io.stdin);
        if (line === null) return 1;
        const fields = line.trim().split(/[ \t]+/);
        (names.length > 0 ? names : ['REPLY']).forEach((varName, i, all) => {
          env.set(varName, i === all.length - 1 ? fields.slice(i).join(' ') : (fields[i] ?? ''));
        });
        return 0;
      }
      case 'wait':
        await Promise.all([...this.jobs]);
        return 0;
      case '.':
      case 'source': {
        if (!args[0]) return 0;
        let source: string;
        try {
          source = readFileSync(
            this.proc.container.fs.resolve(posix.resolve(this.proc.cwd, args[0])),
            'utf8',
          );
        } catch (error) {
          io.stderr.write(`sh: ${name}: can't open '${args[0]}': ${errnoText(error)}\n`);
          return 2;
        }
        return this.runScript(parseScript(source), io);
      }
      default:
        return undefined;
    }
  }

  /** `trap '' SIG...` ignores signals, `trap - SIG...` restores them; handlers with commands are not kept. */
  private trap(args: string[], io: Io): number {
    if (args.length === 0) {
      for (const signal of this.proc.ignored) io.stdout.write(`trap -- '' ${signal.slice(3)}\n`);
      return 0;
    }
    const [action, ...names] = args;
    for (const name of names) {
      if (name === '0' || name.toUpperCase() === 'EXIT') continue;
      const signal = normalizeSignal(name);
      if (!signal) {
        io.stderr.write(`sh: trap: ${name}: invalid signal specification\n`);
        return 1;
      }
      if (action === '') this.proc.ignored.add(signal);
      else this.proc.ignored.delete(signal);
    }
    return 0;
  }

  private async applyRedirects(
    redirects: Redirect[],
    io: Io,
  ): Promise<{ io: Io; close: () => void } | undefined> {
    if (redirects.length === 0) return { io, close: () => {} };
    const streams: (Readable | Writable)[] = [io.stdin, io.stdout, io.stderr];
    const opened: Writable[] = [];
    const close = () => {
      for (const stream of opened) stream.end();
    };
    for (const redirect of redirects) {
      const target = await this.expandWord(redirect.target);
      if (redirect.op === '>&' || redirect.op === '<&') {
        const fd = Number(target);
        if (target === '-') continue;
        if (!Number.isInteger(fd) || fd < 0 || fd > 2) {
          io.stderr.write(`sh: ${target}: bad file descriptor\n`);
          close();
          return undefined;
        }
        streams[redirect.fd] = streams[fd];
        continue;
      }
      if (redirect.fd > 2) continue;
      const path = posix.resolve(this.proc.cwd, target);
      if (redirect.op === '<') {
        if (path === '/dev/null') {
          streams[redirect.fd] = Readable.from([]);
          continue;
        }
        try {
          streams[redirect.fd] = Readable.from([readFileSync(this.proc.container.fs.resolve(path))]);
        } catch (error) {
          io.stderr.write(`sh: can't open ${target}: ${errnoText(error)}\n`);
          close();
          return undefined;
        }
        continue;
      }
      if (path === '/dev/null') {
        streams[redirect.fd] = new NullWriter();
        continue;
      }
      if (path === '/dev/stdout' || path === '/dev/stderr') {
        streams[redirect.fd] = path === '/dev/stdout' ? io.stdout : io.stderr;
        continue;
      }
      try {
        const fd = openSync(this.proc.container.fs.resolve(path), redirect.op === '>>' ? 'a' : 'w', 0o644);
        const writer = new FileWriter(fd);
        opened.push(writer);
        streams[redirect.fd] = writer;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const reason = code === 'ENOENT' ? 'nonexistent directory' : errnoText(error);
        io.stderr.write(`sh: can't create ${target}: ${reason}\n`);
        close();
        return undefined;
      }
    }
    return {
      io: { stdin: streams[0] as Readable, stdout: streams[1] as Writable, stderr: streams[2] as Writable },
      close,
    };
  }

  private param(name: string): string | undefined {
    switch (name) {
      case '?':
        return String(this.status);
      case '$':
        return '1';
      case '!':
        return this.lastJob > 0 ? String(100 + this.lastJob) : '';
      case '#':
        return String(this.positional.length - 1);
      case '@':
      case '*':
        return this.positional.slice(1).join(' ');
      default:
        if (/^\d+$/.test(name)) return this.positional[Number(name)];
        return this.proc.env.get(name);
    }
  }

  private async paramValue(part: Extract<Word[number], { kind: 'param' }>): Promise<string> {
    const value = this.param(part.name);
    if (part.op === '#') return String((value ?? '').length);
    if (!part.op) return value ?? '';
    const unsetOrEmpty = part.op.startsWith(':') ? !value : value === undefined;
    const op = part.op.replace(':', '');
    const arg = () => this.expandWord(part.arg ?? []);
    switch (op) {
      case '-':
        return unsetOrEmpty ? arg() : (value ?? '');
      case '=':
        if (unsetOrEmpty) {
          const assigned = await arg();
          this.proc.env.set(part.name, assigned);
          return assigned;
        }
        return value ?? '';
      case '+':
        return unsetOrEmpty ? '' : arg();
      case '?':
        if (unsetOrEmpty) {
          const message = (await arg()) || 'parameter not set';
          throw new Error(`${part.name}: ${message}`);
        }
        return value ?? '';
      default:
        return value ?? '';
    }
  }

  private async commandOutput(script: Script): Promise<string> {
    const shell = this.subshell();
    const chunks: Buffer[] = [];
    const capture = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk);
        done();
      },
    });
    try {
      await shell.runScript(script, { stdin: Readable.from([]), stdout: capture, stderr: this.proc.stderr });
    } catch (error) {
      if (!(error instanceof ExitRequest)) throw error;
    } finally {
      this.proc.reap(shell.proc);
    }
    this.status = shell.status;
    return Buffer.concat(chunks).toString('utf8').replace(/\n+$/, '');
  }

  /** Expands one word without field splitting (assignments, redirection targets). */
  async expandWord(word: Word): Promise<string> {
    let out = '';
    for (const part of word) {
      if (part.kind === 'text') out += part.text;
      else if (part.kind === 'param') out += await this.paramValue(part);
      else if (part.kind === 'arith') out += String(this.arith(part.expression));
      else out += await this.commandOutput(part.script);
    }
    return out;
  }

  private arith(expression: string): number {
    return evaluateArithmetic(expression, (name) => this.param(name) ?? '');
  }

  /** Expands words into fields: parameter and command expansions split on blanks unless quoted, then globs. */
  async expandWords(words: Word[]): Promise<string[]> {
    const fields: string[] = [];
    for (const word of words) {
      let current = '';
      let started = false;
      let glob = false;
      const flush = () => {
        if (started || current.length > 0) {
          fields.push(...(glob ? this.glob(current) : [current]));
        }
        current = '';
        started = false;
        glob = false;
      };
      for (const part of word) {
        if (part.kind === 'text') {
          current += part.text;
          if (part.quoted) started = true;
          else if (globChars.test(part.text)) glob = true;
          continue;
        }
        if (part.kind === 'param' && part.name === '@' && part.quoted && !part.op) {
          const args = this.positional.slice(1);
          args.forEach((arg, i) => {
            if (i > 0) flush();
            current += arg;
            started = true;
          });
          continue;
        }
        const value =
          part.kind === 'param'
            ? await this.paramValue(part)
            : part.kind === 'arith'
              ? String(this.arith(part.expression))
              : await this.commandOutput(part.script);
        if (part.quoted) {
          current += value;
          started = true;
          continue;
        }
        const pieces = value.split(/[ \t\n]+/);
        pieces.forEach((piece, i) => {
          if (i > 0) flush();
          current += piece;
        });
      }
      flush();
    }
    return fields;
  }

  /** Pathname expansion of one field; the pattern itself when nothing matches (as POSIX sh). */
  private glob(pattern: string): string[] {
    const absolute = pattern.startsWith('/');
    const segments = pattern.split('/').filter((s, i) => s.length > 0 || i === 0);
    let paths = [absolute ? '/' : ''];
    for (const segment of absolute ? segments.slice(1) : segments) {
      if (segment === '') continue;
      const next: string[] = [];
      for (const base of paths) {
        if (!globChars.test(segment)) {
          next.push(base ? posix.join(base, segment) : segment);
          continue;
        }
        const dir = posix.resolve(this.proc.cwd, base || '.');
        let entries: string[];
        try {
          entries = readdirSync(this.proc.container.fs.resolve(dir));
        } catch {
          continue;
        }
        const re = globToRegExp(segment);
        for (const entry of entries.sort()) {
          if (entry.startsWith('.') && !segment.startsWith('.')) continue;
          if (re.test(entry)) next.push(base ? posix.join(base, entry) : entry);
        }
      }
      paths = next;
    }
    return paths.length > 0 ? paths : [pattern];
  }
}
