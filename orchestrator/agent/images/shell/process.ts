import { Readable, type Writable } from 'node:stream';
import type { ContainerContext } from '../runtime/context.js';

/** Signals a container process can receive, with their Linux numbers (exit status 128 + number). */
export const signalNumbers: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGWINCH: 28,
};

/** `TERM`, `15`, `sigterm` or `SIGTERM` -> `SIGTERM`; undefined when unknown. */
export function normalizeSignal(name: string | number): string | undefined {
  const text = String(name).toUpperCase();
  if (/^\d+$/.test(text))
    return Object.keys(signalNumbers).find((key) => signalNumbers[key] === Number(text));
  const full = text.startsWith('SIG') ? text : `SIG${text}`;
  return full in signalNumbers ? full : undefined;
}

/** A program's exit status when `signal` ended it. */
export function signalExitCode(signal: string): number {
  return 128 + (signalNumbers[signal] ?? 15);
}

/**
 * A program built into an image: it gets its process and resolves with its exit status. Programs read only
 * through `proc.stdin`, write only through `proc.stdout`/`proc.stderr`, reach files only through
 * `proc.container.fs` and the network only through `proc.container` — never through node globals.
 */
export type Program = (proc: Proc) => Promise<number>;

export interface ProcOptions {
  argv: string[];
  env: Map<string, string>;
  cwd: string;
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  container: ContainerContext;
  /** Signals this process ignores (`trap '' TERM`), inherited by its children. */
  ignored?: Set<string>;
}

/**
 * A process inside a container: a program's argv, environment, working directory and standard streams. A
 * signal reaches the whole process tree (like a process group); a terminating one aborts `signal`, whose
 * `reason` is the signal name.
 */
export class Proc {
  readonly argv: string[];
  readonly env: Map<string, string>;
  cwd: string;
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly container: ContainerContext;
  readonly ignored: Set<string>;
  private readonly controller = new AbortController();
  private readonly children = new Set<Proc>();
  private readonly listeners = new Set<(signal: string) => boolean>();

  constructor(options: ProcOptions) {
    this.argv = options.argv;
    this.env = options.env;
    this.cwd = options.cwd;
    this.stdin = options.stdin;
    this.stdout = options.stdout;
    this.stderr = options.stderr;
    this.container = options.container;
    this.ignored = new Set(options.ignored ?? []);
  }

  /** Aborted when a terminating signal arrives; `signal.reason` is its name. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** A child process sharing this one's container, inheriting environment, directory and ignored signals. */
  child(options: Partial<ProcOptions> & { argv: string[] }): Proc {
    const child = new Proc({
      env: new Map(this.env),
      cwd: this.cwd,
      stdin: this.stdin,
      stdout: this.stdout,
      stderr: this.stderr,
      container: this.container,
      ignored: this.ignored,
      ...options,
    });
    this.children.add(child);
    if (this.signal.aborted) child.kill(String(this.signal.reason));
    return child;
  }

  /** Forgets a finished child. */
  reap(child: Proc): void {
    this.children.delete(child);
  }

  /**
   * Lets a program handle signals itself (nginx's SIGQUIT, an interactive shell's SIGINT): the handler returns
   * true when it took care of the signal; otherwise the signal aborts as usual. SIGKILL is never offered.
   * Returns the unregister function.
   */
  onSignal(handler: (signal: string) => boolean): () => void {
    this.listeners.add(handler);
    return () => this.listeners.delete(handler);
  }

  /** Delivers `signal` to this process's children, then to itself. SIGKILL cannot be ignored or handled. */
  kill(signal: string): void {
    for (const child of this.children) child.kill(signal);
    if (signal !== 'SIGKILL') {
      if (this.ignored.has(signal)) return;
      let handled = false;
      for (const listener of this.listeners) handled = listener(signal) || handled;
      if (handled || signal === 'SIGWINCH') return;
    }
    if (!this.controller.signal.aborted) this.controller.abort(signal);
  }

  /** Writes to stdout (strings as UTF-8). */
  out(text: string | Uint8Array): void {
    this.stdout.write(text);
  }

  /** Writes to stderr. */
  err(text: string | Uint8Array): void {
    this.stderr.write(text);
  }

  /** The value of an environment variable, or `fallback`. */
  getenv(name: string, fallback = ''): string {
    return this.env.get(name) ?? fallback;
  }
}

/** A stream with nothing to read (a container's stdin). */
export function emptyInput(): Readable {
  return Readable.from([]);
}

/** Reads a stream to its end. */
export async function readAll(input: Readable, signal?: AbortSignal): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of input.iterator({ destroyOnReturn: false })) {
    if (signal?.aborted) break;
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  }
  return Buffer.concat(chunks);
}

/** Reads a stream line by line (without the newline); the last line may lack one. */
export async function* readLines(input: Readable): AsyncGenerator<string> {
  let pending = '';
  for await (const chunk of input.iterator({ destroyOnReturn: false })) {
    pending += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    let at = pending.indexOf('\n');
    while (at >= 0) {
      yield pending.slice(0, at);
      pending = pending.slice(at + 1);
      at = pending.indexOf('\n');
    }
  }
  if (pending.length > 0) yield pending;
}

/** Resolves after `ms`, or when `signal` aborts (then resolves false). */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves when `signal` aborts. */
export function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
