import { existsSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import { findProgram } from '../shell/commands.js';
import { normalizeSignal, Proc } from '../shell/process.js';
import type { ContainerContext } from './context.js';
import { type ExecRequest, encodeFrame, FrameDecoder, FrameType } from './exec-protocol.js';

const maxHeaderBytes = 256 * 1024;

/** Writes a stream's bytes as frames of one type (translating newlines for a terminal). */
class FrameWriter extends Writable {
  isTTY: boolean;
  columns = 80;
  rows = 24;
  constructor(
    private readonly socket: Socket,
    private readonly type: number,
    tty: boolean,
  ) {
    super();
    this.isTTY = tty;
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    if (this.socket.destroyed) {
      done();
      return;
    }
    const data = this.isTTY ? Buffer.from(chunk.toString('utf8').replace(/\r?\n/g, '\r\n')) : chunk;
    this.socket.write(encodeFrame(this.type, data));
    done();
  }
}

/**
 * A terminal's cooked mode for `exec -t`: echoes what is typed, edits the line (backspace, ^U), sends it on
 * Enter, turns ^C into SIGINT and ^D on an empty line into end of input.
 */
class LineDiscipline {
  private line = '';
  private escape = false;
  constructor(
    private readonly echo: (text: string) => void,
    private readonly input: PassThrough,
    private readonly interrupt: () => void,
  ) {}

  feed(data: Buffer): void {
    for (const c of data.toString('utf8')) {
      if (this.escape) {
        // Skip escape sequences (arrow keys...): ESC [ ... final byte.
        if (/[A-Za-z~]/.test(c)) this.escape = false;
        continue;
      }
      if (c === '\x1b') this.escape = true;
      else if (c === '\r' || c === '\n') {
        this.echo('\r\n');
        this.input.write(`${this.line}\n`);
        this.line = '';
      } else if (c === '\x7f' || c === '\b') {
        if (this.line.length > 0) {
          this.line = this.line.slice(0, -1);
          this.echo('\b \b');
        }
      } else if (c === '\x03') {
        this.echo('^C\r\n');
        this.line = '';
        this.interrupt();
      } else if (c === '\x04') {
        if (this.line.length === 0) this.input.end();
      } else if (c === '\x15') {
        this.echo('\b \b'.repeat(this.line.length));
        this.line = '';
      } else if (c >= ' ' || c === '\t') {
        this.line += c;
        this.echo(c);
      }
    }
  }
}

function sendExit(socket: Socket, code: number): void {
  if (socket.destroyed) return;
  socket.end(encodeFrame(FrameType.exit, JSON.stringify({ code })));
}

/** Serves one exec connection: reads the request, runs the command, streams frames until it exits. */
function serveConnection(socket: Socket, context: ContainerContext): void {
  let header = Buffer.alloc(0);
  const onHeader = (chunk: Buffer) => {
    header = Buffer.concat([header, chunk]);
    const newline = header.indexOf(0x0a);
    if (newline < 0) {
      if (header.length > maxHeaderBytes) socket.destroy();
      return;
    }
    socket.off('data', onHeader);
    let request: ExecRequest;
    try {
      request = JSON.parse(header.subarray(0, newline).toString('utf8')) as ExecRequest;
      if (
        !Array.isArray(request.cmd) ||
        request.cmd.length === 0 ||
        request.cmd.some((a) => typeof a !== 'string')
      ) {
        throw new Error('cmd must be a non-empty list of strings');
      }
    } catch (error) {
      socket.write(encodeFrame(FrameType.stderr, `invalid exec request: ${(error as Error).message}\n`));
      sendExit(socket, 126);
      return;
    }
    void run(socket, context, request, header.subarray(newline + 1));
  };
  socket.on('data', onHeader);
  socket.on('error', () => socket.destroy());
}

async function run(
  socket: Socket,
  context: ContainerContext,
  request: ExecRequest,
  rest: Buffer,
): Promise<void> {
  const tty = request.tty === true;
  const stdin = new PassThrough();
  (stdin as PassThrough & { isTTY?: boolean }).isTTY = tty;
  if (!request.stdin) stdin.end();
  const stdout = new FrameWriter(socket, FrameType.stdout, tty);
  const stderr = tty ? stdout : new FrameWriter(socket, FrameType.stderr, false);
  const env = new Map(context.env);
  for (const entry of request.env ?? []) {
    const eq = entry.indexOf('=');
    if (eq > 0) env.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  if (tty && !env.has('TERM')) env.set('TERM', 'xterm');
  const proc = new Proc({
    argv: request.cmd,
    env,
    cwd: request.workingDir || context.workingDir || '/',
    stdin,
    stdout,
    stderr,
    container: context,
  });
  let finished = false;
  const discipline = tty
    ? new LineDiscipline(
        (text) => {
          if (!socket.destroyed) socket.write(encodeFrame(FrameType.stdout, text));
        },
        stdin,
        () => proc.kill('SIGINT'),
      )
    : undefined;
  const decoder = new FrameDecoder();
  const onData = (chunk: Buffer) => {
    let frames: ReturnType<FrameDecoder['push']>;
    try {
      frames = decoder.push(chunk);
    } catch {
      socket.destroy();
      return;
    }
    for (const frame of frames) {
      if (frame.type === FrameType.stdin && request.stdin) {
        if (discipline) discipline.feed(frame.payload);
        else if (!stdin.writableEnded) stdin.write(frame.payload);
      } else if (frame.type === FrameType.stdinEnd) {
        if (!stdin.writableEnded) stdin.end();
      } else if (frame.type === FrameType.resize) {
        try {
          const size = JSON.parse(frame.payload.toString()) as { cols?: number; rows?: number };
          if (size.cols) stdout.columns = size.cols;
          if (size.rows) stdout.rows = size.rows;
        } catch {
          // A malformed resize changes nothing.
        }
        proc.kill('SIGWINCH');
      } else if (frame.type === FrameType.signal) {
        const signal = normalizeSignal(frame.payload.toString());
        if (!signal) continue;
        proc.kill(signal);
        if (signal === 'SIGKILL' && !finished) {
          finished = true;
          sendExit(socket, 137);
        }
      }
    }
  };
  socket.on('data', onData);
  socket.on('close', () => {
    if (!finished) proc.kill('SIGKILL');
  });
  if (rest.length > 0) onData(rest);
  if (request.cols) stdout.columns = request.cols;
  if (request.rows) stdout.rows = request.rows;

  let code: number;
  try {
    const program = await findProgram(request.cmd[0], proc);
    if (!program) {
      stderr.write(
        `OCI runtime exec failed: exec failed: unable to start container process: exec: "${request.cmd[0]}": executable file not found in $PATH: unknown\n`,
      );
      code = 127;
    } else code = await program(proc);
  } catch (error) {
    stderr.write(`${request.cmd[0]}: ${error instanceof Error ? error.message : String(error)}\n`);
    code = 1;
  }
  if (!finished) {
    finished = true;
    sendExit(socket, code);
  }
}

/** Listens on the container's control socket for exec requests. */
export async function serveControl(path: string, context: ContainerContext): Promise<Server> {
  if (existsSync(path)) unlinkSync(path);
  const server = createServer((socket) => serveConnection(socket, context));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
