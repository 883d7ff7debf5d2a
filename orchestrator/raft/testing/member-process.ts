/**
 * @module MemberProcess: the parent's handle on a member child process (see member.ts), for the crash test
 * and the benchmark. Each member gets its own random loopback address.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';

const memberScript = new URL('./member.js', import.meta.url).pathname;

/** A random address in 127.0.0.0/8 (all of it answers on Linux), unlikely to collide with other tests. */
export function randomLoopback(): string {
  const b = (): number => 1 + Math.floor(Math.random() * 254);
  return `127.${b()}.${b()}.${b()}`;
}

/** An event line from a member. */
export type MemberEvent = Record<string, unknown> & { ev: string };

/** Options to start a member process. */
export interface MemberSpawn {
  id: string;
  host: string;
  /** 0 for any free port (first start), the previous port on restart. */
  port: number;
  /** Append the child's stderr (logs) here. */
  logFile?: string;
}

/** A running member child. Kill it with kill() (SIGKILL by pid) or close() (stdin end: it exits). */
export class MemberProcess {
  readonly id: string;
  readonly host: string;
  port = 0;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly listeners = new Set<(ev: MemberEvent) => void>();
  private readonly exited: Promise<void>;
  private log: WriteStream | undefined;
  private nextReq = 1;
  alive = true;

  private constructor(opts: MemberSpawn) {
    this.id = opts.id;
    this.host = opts.host;
    this.child = spawn(process.execPath, [memberScript], { stdio: ['pipe', 'pipe', 'pipe'] });
    if (opts.logFile) {
      this.log = createWriteStream(opts.logFile, { flags: 'a' });
      this.child.stderr.pipe(this.log);
    } else {
      this.child.stderr.resume();
    }
    const rl = createInterface({ input: this.child.stdout });
    rl.on('line', (line) => {
      let ev: MemberEvent;
      try {
        ev = JSON.parse(line) as MemberEvent;
      } catch {
        return;
      }
      for (const l of [...this.listeners]) l(ev);
    });
    this.child.stdin.on('error', () => {});
    this.exited = new Promise((resolve) =>
      this.child.once('exit', () => {
        this.alive = false;
        resolve();
      }),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Spawns a member and has it listen; resolves once it listens. */
  static async spawn(opts: MemberSpawn): Promise<MemberProcess> {
    const m = new MemberProcess(opts);
    const ev = await m.request(
      { cmd: 'listen', id: opts.id, host: opts.host, port: opts.port },
      'listening',
      30_000,
    );
    m.port = Number(ev.port);
    return m;
  }

  get addr(): string {
    return `${this.host}:${this.port}`;
  }

  send(cmd: Record<string, unknown>): void {
    if (this.alive) this.child.stdin.write(`${JSON.stringify(cmd)}\n`);
  }

  /** Calls `fn` for every event until the returned function is called. */
  on(fn: (ev: MemberEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Sends a command and resolves with the first `ev` event answering it (matched by req when present). */
  request(cmd: Record<string, unknown>, ev: string, timeoutMs = 30_000): Promise<MemberEvent> {
    const req = this.nextReq++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(
          new Error(`member ${this.id}: no '${ev}' answer to ${String(cmd.cmd)} within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      const off = this.on((e) => {
        if (e.ev === 'error' && e.cmd === cmd.cmd) {
          clearTimeout(timer);
          off();
          reject(new Error(`member ${this.id}: ${String(e.error)}`));
          return;
        }
        if (e.ev !== ev || (e.req !== undefined && e.req !== req)) return;
        clearTimeout(timer);
        off();
        resolve(e);
      });
      void this.exited.then(() => {
        clearTimeout(timer);
        off();
        reject(new Error(`member ${this.id} exited before answering ${String(cmd.cmd)}`));
      });
      this.send({ ...cmd, req });
    });
  }

  /** kill -9, by pid; resolves once the process is gone. */
  async kill(): Promise<void> {
    if (this.alive) process.kill(this.pid, 'SIGKILL');
    await this.exited;
    this.log?.end();
  }

  /** Closes stdin (the member exits); kills it if it has not exited after `graceMs`. */
  async close(graceMs = 5000): Promise<void> {
    this.child.stdin.end();
    const timer = setTimeout(() => this.alive && process.kill(this.pid, 'SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
    this.log?.end();
  }
}
