import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import type { ExecSession } from '../../agent/executor/exec-client.js';
import type { Executor } from '../../agent/executor/executor.js';
import { decodeBody } from '../decode.js';
import { badRequest, conflict, notFound } from '../errors.js';
import { multiplexFrame } from '../log-stream.js';
import { Reply, type Router, streamed } from '../router.js';
import { apiErrorOf, type ExecIndex, findContainer } from './containers.js';

/** An exec instance: created by `POST /containers/{id}/exec`, run by `POST /exec/{id}/start`. */
interface ExecRecord {
  id: string;
  containerId: string;
  cmd: string[];
  env: string[];
  workingDir: string;
  user: string;
  tty: boolean;
  attachStdin: boolean;
  attachStdout: boolean;
  attachStderr: boolean;
  consoleSize?: [number, number];
  started: boolean;
  running: boolean;
  exitCode?: number;
  pid: number;
  session?: ExecSession;
  finishedAt?: number;
}

/** How long a finished exec stays inspectable, and how many are kept at most. */
const keepFinishedMs = 10 * 60_000;
const maxExecs = 1000;

/** The exec instances of one node. */
export class ExecRegistry implements ExecIndex {
  private readonly execs = new Map<string, ExecRecord>();

  add(record: Omit<ExecRecord, 'id' | 'started' | 'running' | 'pid'>): ExecRecord {
    this.prune();
    const full: ExecRecord = {
      ...record,
      id: randomBytes(32).toString('hex'),
      started: false,
      running: false,
      pid: 0,
    };
    this.execs.set(full.id, full);
    return full;
  }

  get(id: string): ExecRecord {
    const record = this.execs.get(id);
    if (!record) throw notFound(`No such exec instance: ${id}`);
    return record;
  }

  /** Exec ids of a container that have not finished (Docker's ExecIDs). */
  idsFor(containerId: string): string[] {
    return [...this.execs.values()]
      .filter((r) => r.containerId === containerId && r.exitCode === undefined)
      .map((r) => r.id);
  }

  private prune(): void {
    const now = Date.now();
    for (const [id, record] of this.execs) {
      if (record.finishedAt !== undefined && now - record.finishedAt > keepFinishedMs) this.execs.delete(id);
    }
    while (this.execs.size >= maxExecs) {
      const oldest = [...this.execs.values()].find((r) => r.exitCode !== undefined || !r.started);
      if (!oldest) break;
      this.execs.delete(oldest.id);
    }
  }
}

function optionalBoolean(body: Record<string, unknown>, key: string): boolean {
  const value = body[key];
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw badRequest(`${key} must be a boolean`);
  return value;
}

function stringList(body: Record<string, unknown>, key: string): string[] | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && key === 'Cmd') return [value];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw badRequest(`${key} must be a list of strings`);
  }
  return value as string[];
}

function consoleSize(body: Record<string, unknown>): [number, number] | undefined {
  const value = body.ConsoleSize;
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length !== 2 || value.some((n) => !Number.isInteger(n) || n < 0)) {
    throw badRequest('ConsoleSize must be [height, width] with two non-negative integers');
  }
  return [value[0], value[1]];
}

/** Reads exactly `length` bytes from a stream (within 10 s), leaving what follows unread. */
function readBody(stream: Duplex, length: number): Promise<Buffer> {
  if (!Number.isInteger(length) || length <= 0) return Promise.resolve(Buffer.alloc(0));
  if (length > 64 * 1024) return Promise.reject(new Error('the body is too large'));
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const timer = setTimeout(() => done(new Error('the body did not arrive')), 10_000);
    const done = (error?: Error) => {
      clearTimeout(timer);
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      if (error) return reject(error);
      if (buffered.length > length) stream.unshift(buffered.subarray(length));
      resolve(buffered.subarray(0, length));
    };
    const onReadable = () => {
      let chunk: Buffer | null;
      while ((chunk = stream.read() as Buffer | null) !== null) {
        buffered = Buffer.concat([buffered, chunk]);
        if (buffered.length >= length) return done();
      }
    };
    const onEnd = () => done(new Error('the connection closed before the body arrived'));
    stream.on('readable', onReadable);
    stream.on('end', onEnd);
    onReadable();
  });
}

/** Streams an exec's output to the client (raw for a tty, Docker's multiplexed frames otherwise). */
async function attach(
  record: ExecRecord,
  session: ExecSession,
  out: Duplex | ServerResponse,
  input?: Readable,
): Promise<void> {
  const write = (data: Buffer) => {
    if (!out.writableEnded && !out.destroyed) out.write(data);
  };
  const stdoutDone = new Promise<void>((resolve) => {
    session.stdout.on('data', (chunk: Buffer) => {
      if (record.attachStdout || record.tty) write(record.tty ? chunk : multiplexFrame(1, chunk));
    });
    session.stdout.on('end', resolve);
  });
  const stderrDone = new Promise<void>((resolve) => {
    session.stderr.on('data', (chunk: Buffer) => {
      if (record.attachStderr) write(record.tty ? chunk : multiplexFrame(2, chunk));
    });
    session.stderr.on('end', resolve);
  });
  if (input && session.stdin) {
    const stdin = session.stdin;
    input.on('data', (chunk: Buffer) => stdin.write(chunk));
    input.on('end', () => stdin.end());
  }
  // A client that goes away takes its command with it.
  out.on('close', () => {
    if (record.exitCode === undefined) session.kill('SIGKILL');
  });
  await session.wait();
  await Promise.all([stdoutDone, stderrDone]);
  out.end();
}

/** `POST /containers/{id}/exec` and the `/exec/{id}/...` endpoints. */
export function registerExecRoutes(router: Router, deps: { executor: Executor; execs: ExecRegistry }): void {
  const { executor, execs } = deps;

  router.post('/containers/{id}/exec', async (req) => {
    const body = decodeBody(await req.json(), 'ExecConfig');
    const info = findContainer(executor, req.params.id);
    const cmd = stringList(body, 'Cmd');
    if (!cmd || cmd.length === 0) throw badRequest('No exec command specified');
    const user = body.User ?? '';
    if (typeof user !== 'string') throw badRequest('User must be a string');
    const workingDir = body.WorkingDir ?? '';
    if (typeof workingDir !== 'string' || (workingDir !== '' && !workingDir.startsWith('/'))) {
      throw badRequest(
        `the working directory '${String(workingDir)}' is invalid, it needs to be an absolute path`,
      );
    }
    const env = stringList(body, 'Env') ?? [];
    if (info.state !== 'running') throw conflict(`container ${info.id} is not running`);
    const record = execs.add({
      containerId: info.id,
      cmd,
      env,
      workingDir,
      user,
      tty: optionalBoolean(body, 'Tty'),
      attachStdin: optionalBoolean(body, 'AttachStdin'),
      attachStdout: optionalBoolean(body, 'AttachStdout'),
      attachStderr: optionalBoolean(body, 'AttachStderr'),
      consoleSize: consoleSize(body),
    });
    return new Reply(201, { Id: record.id });
  });

  router.post('/exec/{id}/start', async (req) => {
    const record = execs.get(req.params.id);
    if (record.started) throw conflict(`Exec command ${record.id} is already running`);
    const container = executor.inspect(record.containerId);
    if (container?.state !== 'running') throw conflict(`container ${record.containerId} is not running`);
    // An upgraded request's body arrives on the hijacked connection, ahead of the client's stdin.
    let socket: Duplex | undefined;
    let body: Record<string, unknown>;
    if (req.hijack) {
      socket = req.hijack();
      try {
        const raw = await readBody(socket, Number(req.headers['content-length'] ?? 0));
        body = decodeBody(raw.length > 0 ? JSON.parse(raw.toString('utf8')) : {}, 'ExecStartConfig');
      } catch (error) {
        socket.end(`invalid exec start config: ${(error as Error).message}\r\n`);
        return streamed;
      }
    } else body = decodeBody(await req.json(), 'ExecStartConfig');
    const detach = optionalBoolean(body, 'Detach') && !socket;
    const size = consoleSize(body) ?? record.consoleSize;
    record.started = true;
    let session: ExecSession;
    try {
      session = await executor.exec(record.containerId, {
        cmd: record.cmd,
        env: record.env,
        workingDir: record.workingDir || undefined,
        tty: record.tty,
        stdin: record.attachStdin && !detach,
        rows: size?.[0] || undefined,
        cols: size?.[1] || undefined,
      });
    } catch (error) {
      record.started = false;
      if (socket) {
        socket.end(`${(error as Error).message}\r\n`);
        return streamed;
      }
      throw apiErrorOf(error);
    }
    record.session = session;
    record.running = true;
    record.pid = container.pid ?? 0;
    void session.wait().then((code) => {
      record.running = false;
      record.exitCode = code;
      record.finishedAt = Date.now();
      record.session = undefined;
    });
    if (detach) {
      session.stdout.resume();
      session.stderr.resume();
      return new Reply(200);
    }
    if (socket) {
      await attach(record, session, socket, record.attachStdin ? socket : undefined);
      return streamed;
    }
    const res = req.res;
    res.writeHead(200, {
      'Content-Type': record.tty
        ? 'application/vnd.docker.raw-stream'
        : 'application/vnd.docker.multiplexed-stream',
    });
    res.flushHeaders();
    await attach(record, session, res, record.attachStdin ? req.raw : undefined);
    return streamed;
  });

  router.post('/exec/{id}/resize', (req) => {
    const record = execs.get(req.params.id);
    const h = Number(req.query.get('h'));
    const w = Number(req.query.get('w'));
    if (
      !Number.isInteger(h) ||
      !Number.isInteger(w) ||
      h < 0 ||
      w < 0 ||
      req.query.get('h') === null ||
      req.query.get('w') === null
    ) {
      throw badRequest('resize needs h and w as non-negative integers');
    }
    if (!record.running) throw conflict(`Exec process ${record.id} is not running`);
    record.session?.resize(w, h);
    return new Reply(200);
  });

  router.get('/exec/{id}/json', (req) => {
    const record = execs.get(req.params.id);
    return {
      CanRemove: false,
      ContainerID: record.containerId,
      DetachKeys: '',
      ExitCode: record.exitCode ?? 0,
      ID: record.id,
      OpenStderr: record.attachStderr,
      OpenStdin: record.attachStdin,
      OpenStdout: record.attachStdout,
      ProcessConfig: {
        arguments: record.cmd.slice(1),
        entrypoint: record.cmd[0],
        privileged: false,
        tty: record.tty,
        user: record.user,
      },
      Running: record.running,
      Pid: record.pid,
    };
  });
}
