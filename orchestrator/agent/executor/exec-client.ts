import { connect, type Socket } from 'node:net';
import { PassThrough, type Readable, Writable } from 'node:stream';
import { type ExecRequest, encodeFrame, FrameDecoder, FrameType } from '../images/runtime/exec-protocol.js';

/** A command running inside a container through its runtime's control socket. */
export interface ExecSession {
  /** Output (in tty mode, everything arrives here). */
  stdout: Readable;
  stderr: Readable;
  /** Input, when the exec was opened with `stdin: true`; ending it ends the command's input. */
  stdin?: Writable;
  /** Resolves with the exit code (137 when killed, 126 when it could not run). */
  wait(): Promise<number>;
  resize(cols: number, rows: number): void;
  /** Sends a signal to the command's processes; `SIGKILL` ends the session at once. */
  kill(signal: string): void;
  /** The exit code once known. */
  readonly exitCode: number | undefined;
}

function connectOnce(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Connects to a control socket, waiting (up to `timeoutMs`) for a runtime that is still starting. */
async function connectControl(path: string, timeoutMs: number): Promise<Socket> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await connectOnce(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if ((code !== 'ENOENT' && code !== 'ECONNREFUSED') || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Starts a command in a container through the control socket at `socketPath`. */
export async function openExec(
  socketPath: string,
  request: ExecRequest,
  options: { connectTimeoutMs?: number } = {},
): Promise<ExecSession> {
  const socket = await connectControl(socketPath, options.connectTimeoutMs ?? 5000);
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let exitCode: number | undefined;
  let resolveExit: (code: number) => void = () => {};
  const exited = new Promise<number>((resolve) => {
    resolveExit = resolve;
  });
  const finish = (code: number) => {
    if (exitCode !== undefined) return;
    exitCode = code;
    stdout.end();
    stderr.end();
    resolveExit(code);
  };
  const decoder = new FrameDecoder();
  socket.on('data', (chunk: Buffer) => {
    let frames: ReturnType<FrameDecoder['push']>;
    try {
      frames = decoder.push(chunk);
    } catch {
      socket.destroy();
      return;
    }
    for (const frame of frames) {
      if (frame.type === FrameType.stdout) stdout.write(frame.payload);
      else if (frame.type === FrameType.stderr) stderr.write(frame.payload);
      else if (frame.type === FrameType.exit) {
        let code = 1;
        try {
          code = Number((JSON.parse(frame.payload.toString()) as { code: number }).code);
        } catch {
          // Keep 1 for a garbled exit frame.
        }
        finish(code);
        socket.end();
      }
    }
  });
  // The container stopped under the command: it was killed with it.
  socket.on('close', () => finish(137));
  socket.on('error', () => socket.destroy());
  socket.write(`${JSON.stringify(request)}\n`);

  const send = (type: number, payload?: string | Uint8Array) => {
    if (!socket.destroyed && exitCode === undefined) socket.write(encodeFrame(type, payload));
  };
  const stdin = request.stdin
    ? new Writable({
        write(chunk: Buffer, _encoding, done) {
          send(FrameType.stdin, chunk);
          done();
        },
        final(done) {
          send(FrameType.stdinEnd);
          done();
        },
      })
    : undefined;
  return {
    stdout,
    stderr,
    stdin,
    wait: () => exited,
    resize: (cols, rows) => send(FrameType.resize, JSON.stringify({ cols, rows })),
    kill: (signal) => send(FrameType.signal, signal),
    get exitCode() {
      return exitCode;
    },
  };
}
