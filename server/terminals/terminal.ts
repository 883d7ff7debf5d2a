import { type IPty, spawn } from 'node-pty';
import { SendWindow } from '../protocol/flow-control.js';
import { OutputBatcher } from './output-batcher.js';
import { Scrollback } from './scrollback.js';

export interface TerminalOptions {
  /** Random, unguessable: the only handle a browser has on the shell. */
  id: string;
  node: string;
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  cols?: number;
  rows?: number;
  scrollbackChars?: number;
}

/** Where one browser attachment's output goes (a socket). */
export type TerminalSink = (data: string) => void;

interface Attachment {
  sink: TerminalSink;
  window: SendWindow;
}

const maxInputChars = 256 * 1024;

/**
 * One shell on one node: a pty whose output is batched, kept in a bounded scrollback, and sent to the browsers
 * attached to it under flow control. The shell is paused while any attachment has too much unacknowledged
 * output, and while nobody is attached at all (so `yes` in a closed tab burns no CPU).
 */
export class Terminal {
  readonly id: string;
  readonly node: string;
  /** Resolves when the shell printed something (its prompt). */
  readonly ready: Promise<void>;
  private readonly pty: IPty;
  private readonly scrollback: Scrollback;
  private readonly batcher: OutputBatcher;
  private readonly attachments = new Map<string, Attachment>();
  private readonly exitListeners: ((code: number) => void)[] = [];
  private paused = false;
  private exitCode: number | undefined;
  /** Last time a browser typed into it (ms since epoch). */
  lastInputAt = Date.now();

  constructor(options: TerminalOptions) {
    this.id = options.id;
    this.node = options.node;
    this.scrollback = new Scrollback(options.scrollbackChars);
    this.batcher = new OutputBatcher((data) => this.emit(data));
    this.pty = spawn(options.file, options.args, {
      name: 'xterm-256color',
      cols: options.cols ?? 80,
      rows: options.rows ?? 24,
      cwd: options.cwd,
      env: options.env,
    });
    let markReady: () => void = () => {};
    this.ready = new Promise((resolve) => {
      markReady = resolve;
    });
    this.pty.onData((data) => {
      markReady();
      this.batcher.push(data);
    });
    this.pty.onExit(({ exitCode }) => {
      markReady();
      this.batcher.flush();
      this.exitCode = exitCode;
      for (const listener of this.exitListeners) listener(exitCode);
    });
  }

  get pid(): number {
    return this.pty.pid;
  }

  /** The shell's exit code once it exited. */
  get exited(): number | undefined {
    return this.exitCode;
  }

  /** Whether output is paused now (flow control or nobody attached). */
  get isPaused(): boolean {
    return this.paused;
  }

  onExit(listener: (code: number) => void): void {
    this.exitListeners.push(listener);
  }

  /**
   * Attaches a browser (`key` identifies it, e.g. its socket id) that already has output up to `offset`.
   * Returns what it missed; the caller sends that through the same channel before any later output.
   */
  attach(key: string, sink: TerminalSink, offset: number): { data: string; reset: boolean; offset: number } {
    const missed = this.scrollback.since(offset);
    const window = new SendWindow();
    window.sent(missed.data.length);
    this.attachments.set(key, { sink, window });
    return missed;
  }

  detach(key: string): void {
    if (this.attachments.delete(key)) this.updatePause();
  }

  /** Re-evaluates pausing after an attach once its replay was sent. */
  settle(): void {
    this.updatePause();
  }

  ack(key: string, chars: number): void {
    const attachment = this.attachments.get(key);
    if (attachment?.window.acked(chars)) this.updatePause();
  }

  input(data: string): void {
    if (this.exitCode !== undefined || typeof data !== 'string') return;
    this.lastInputAt = Date.now();
    this.pty.write(data.length > maxInputChars ? data.slice(0, maxInputChars) : data);
  }

  resize(cols: number, rows: number): void {
    if (this.exitCode !== undefined) return;
    if (!Number.isInteger(cols) || !Number.isInteger(rows)) return;
    if (cols < 2 || cols > 1000 || rows < 1 || rows > 500) return;
    this.pty.resize(cols, rows);
  }

  /** Ends the shell (SIGHUP, as when a terminal window closes: its jobs get it too). */
  dispose(): void {
    this.batcher.dispose();
    this.attachments.clear();
    if (this.exitCode === undefined) {
      try {
        this.pty.kill('SIGHUP');
      } catch {
        // already gone
      }
    }
  }

  private emit(data: string): void {
    this.scrollback.append(data);
    let crossed = false;
    for (const attachment of this.attachments.values()) {
      attachment.sink(data);
      crossed = attachment.window.sent(data.length) || crossed;
    }
    if (crossed) this.updatePause();
  }

  private updatePause(): void {
    if (this.exitCode !== undefined) return;
    const attached = [...this.attachments.values()];
    const pause = attached.length === 0 || attached.some((a) => a.window.blocked);
    if (pause === this.paused) return;
    this.paused = pause;
    if (pause) this.pty.pause();
    else this.pty.resume();
  }
}
