import { EventEmitter } from 'node:events';
import { closeSync, existsSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import type { LogEntry, LogOptions } from './types.js';

/** Docker's json-file line: `{"log":"text\n","stream":"stdout","time":"2025-...Z"}`. */
interface JsonLine {
  log: string;
  stream: 'stdout' | 'stderr';
  time: string;
}

/** Longest line kept in one entry, as Docker's log copier (16 KiB). */
const maxLineBytes = 16 * 1024;

/**
 * A container's stdout and stderr on disk, as Docker's json-file driver keeps them: one JSON object per line,
 * bounded by rotating to `<file>.1` when the file passes `maxBytes`. Followers get new entries as they come.
 */
export class LogStore {
  private fd: number | undefined;
  private size = 0;
  private readonly pending = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
  private readonly events = new EventEmitter();
  private closed = false;

  constructor(
    readonly path: string,
    private readonly maxBytes = 10 * 1024 * 1024,
  ) {
    this.events.setMaxListeners(0);
    if (existsSync(path)) this.size = statSync(path).size;
  }

  /** Appends raw output; complete lines become entries, a partial line waits for its end (or 16 KiB). */
  write(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    let data = this.pending[stream].length > 0 ? Buffer.concat([this.pending[stream], chunk]) : chunk;
    let newline = data.indexOf(0x0a);
    while (newline >= 0) {
      this.append(stream, data.subarray(0, newline + 1));
      data = data.subarray(newline + 1);
      newline = data.indexOf(0x0a);
    }
    while (data.length >= maxLineBytes) {
      this.append(stream, data.subarray(0, maxLineBytes));
      data = data.subarray(maxLineBytes);
    }
    this.pending[stream] = Buffer.from(data);
  }

  private append(stream: 'stdout' | 'stderr', data: Buffer): void {
    const time = new Date();
    const line: JsonLine = { log: data.toString('utf8'), stream, time: time.toISOString() };
    const text = `${JSON.stringify(line)}\n`;
    if (this.fd === undefined) this.fd = openSync(this.path, 'a', 0o640);
    if (this.size + text.length > this.maxBytes && this.size > 0) {
      closeSync(this.fd);
      renameSync(this.path, `${this.path}.1`);
      this.fd = openSync(this.path, 'a', 0o640);
      this.size = 0;
    }
    this.size += writeSync(this.fd, text);
    this.events.emit('entry', { stream, time, data: Buffer.from(data) } satisfies LogEntry);
  }

  /** Flushes partial lines and tells followers the container has stopped. */
  close(): void {
    if (this.closed) return;
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.pending[stream].length > 0) this.append(stream, this.pending[stream]);
      this.pending[stream] = Buffer.alloc(0);
    }
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.closed = true;
    this.events.emit('end');
  }

  /** Reopens for a restarted container. */
  reopen(): void {
    this.closed = false;
  }

  /** Every entry on disk, oldest first. */
  private readAll(): LogEntry[] {
    const entries: LogEntry[] = [];
    for (const path of [`${this.path}.1`, this.path]) {
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch {
        continue;
      }
      for (const line of text.split('\n')) {
        if (!line) continue;
        try {
          const parsed = JSON.parse(line) as JsonLine;
          entries.push({ stream: parsed.stream, time: new Date(parsed.time), data: Buffer.from(parsed.log) });
        } catch {
          // A torn last line after a crash: skip it.
        }
      }
    }
    return entries;
  }

  /**
   * The entries `docker logs` would show, then (with `follow`) new ones until the container stops or
   * `signal` aborts.
   */
  async *read(options: LogOptions = {}): AsyncGenerator<LogEntry> {
    const wantStdout = options.stdout ?? true;
    const wantStderr = options.stderr ?? true;
    const matches = (entry: LogEntry) =>
      ((entry.stream === 'stdout' && wantStdout) || (entry.stream === 'stderr' && wantStderr)) &&
      (!options.since || entry.time >= options.since) &&
      (!options.until || entry.time < options.until);
    // Read and subscribe in the same tick: no entry can fall between the two.
    const queue: LogEntry[] = [];
    let ended = this.closed || !options.follow;
    let wake: (() => void) | undefined;
    const onEntry = (entry: LogEntry) => {
      queue.push(entry);
      wake?.();
    };
    const onEnd = () => {
      ended = true;
      wake?.();
    };
    const onAbort = () => {
      ended = true;
      wake?.();
    };
    if (options.follow && !this.closed) {
      this.events.on('entry', onEntry);
      this.events.once('end', onEnd);
      options.signal?.addEventListener('abort', onAbort, { once: true });
    }
    try {
      let existing = this.readAll().filter(matches);
      if (options.tail !== undefined && options.tail >= 0)
        existing = options.tail === 0 ? [] : existing.slice(-options.tail);
      for (const entry of existing) {
        if (options.signal?.aborted) return;
        yield entry;
      }
      for (;;) {
        while (queue.length > 0) {
          const entry = queue.shift()!;
          if (matches(entry)) yield entry;
        }
        if (ended || options.signal?.aborted) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    } finally {
      this.events.off('entry', onEntry);
      this.events.off('end', onEnd);
      options.signal?.removeEventListener('abort', onAbort);
    }
  }
}
