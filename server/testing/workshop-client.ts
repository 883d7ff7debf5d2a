import { io, type Socket } from 'socket.io-client';
import type { ClusterView } from '../protocol/cluster-view.js';
import type {
  AttachReply,
  ClientToServerEvents,
  Hello,
  LabView,
  ServerToClientEvents,
} from '../protocol/events.js';
import { sessionCookieName } from '../protocol/events.js';
import { AckCounter } from '../protocol/flow-control.js';
import type { LessonView, StepsStatus } from '../protocol/lesson-view.js';
import { learnerIdOf } from '../security/access.js';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Gets a session cookie the way a browser does: by loading the page. */
export async function newSessionCookie(origin: string, token?: string): Promise<string> {
  const url = token ? `${origin}/?token=${encodeURIComponent(token)}` : `${origin}/`;
  const res = await fetch(url, { redirect: 'manual' });
  await res.arrayBuffer();
  const cookie = res.headers.get('set-cookie')?.split(';')[0];
  if (!cookie?.startsWith(`${sessionCookieName}=`))
    throw new Error(`no session cookie from ${origin} (HTTP ${res.status})`);
  return cookie;
}

/** One terminal's output as the client received it. */
interface TerminalOutput {
  text: string;
  ack: boolean;
  acks: AckCounter;
}

/**
 * A browser's protocol side, in Node: for tests and benchmarks that drive a real workshop server over socket.io.
 * Keeps the latest of each pushed state and every attached terminal's output.
 */
export class WorkshopClient {
  hello: Hello | undefined;
  lab: LabView | null = null;
  lesson: LessonView | undefined;
  steps: StepsStatus | undefined;
  cluster: ClusterView | undefined;
  readonly notices: string[] = [];
  readonly outputs = new Map<string, TerminalOutput>();
  private readonly waiters: (() => void)[] = [];

  private constructor(
    readonly socket: ClientSocket,
    readonly cookie: string,
  ) {
    socket.on('hello', (hello) => {
      this.hello = hello;
      this.lab = hello.lab;
      this.changed();
    });
    socket.on('lab:state', (lab) => {
      this.lab = lab;
      this.changed();
    });
    socket.on('lesson', (lesson) => {
      this.lesson = lesson;
      this.changed();
    });
    socket.on('steps', (steps) => {
      this.steps = steps;
      this.changed();
    });
    socket.on('cluster', (cluster) => {
      this.cluster = cluster;
      this.changed();
    });
    socket.on('notice', ({ message }) => {
      this.notices.push(message);
      this.changed();
    });
    socket.on('term:data', (id, data) => {
      const output = this.outputs.get(id);
      if (!output) return;
      output.text += data;
      if (output.ack) {
        const ack = output.acks.rendered(data.length);
        if (ack > 0) socket.emit('term:ack', id, ack);
      }
      this.changed();
    });
  }

  /** Connects with a session (a new one unless `cookie` is given) and waits for the server's hello. */
  static async connect(
    origin: string,
    options: {
      cookie?: string;
      token?: string;
      origin?: string;
      headers?: Record<string, string>;
      transport?: 'websocket' | 'polling';
    } = {},
  ): Promise<WorkshopClient> {
    const cookie = options.cookie ?? (await newSessionCookie(origin, options.token));
    // A browser's headers: its session cookie and (unless told otherwise, '' for none) the page's origin.
    const headers: Record<string, string> = { cookie, ...options.headers };
    if (options.origin !== '') headers.origin = options.origin ?? origin;
    const socket: ClientSocket = io(origin, {
      transports: [options.transport ?? 'websocket'],
      reconnection: false,
      extraHeaders: headers,
    });
    const client = new WorkshopClient(socket, cookie);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect_error', reject);
      socket.once('hello', () => resolve());
    });
    return client;
  }

  /** The learner id the server derives from this client's session. */
  get learnerId(): string {
    return learnerIdOf(this.cookie.split('=')[1]);
  }

  /** Resolves once `condition` holds (re-checked on every event), rejects after `timeoutMs`. */
  until<T>(what: string, condition: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        let value: T | undefined | false;
        try {
          value = condition();
        } catch (error) {
          clearTimeout(timer);
          this.waiters.splice(this.waiters.indexOf(check), 1);
          reject(error);
          return true;
        }
        if (value) {
          clearTimeout(timer);
          this.waiters.splice(this.waiters.indexOf(check), 1);
          resolve(value);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(check), 1);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.waiters.push(check);
      check();
    });
  }

  /** Starts a lab and waits until it is ready (every node answers, every shell printed its prompt). */
  async startLab(nodes: number, timeoutMs = 60_000): Promise<LabView> {
    this.socket.emit('lab:start', { nodes });
    return this.until(
      'the lab to be ready',
      () => {
        if (this.lab?.state === 'failed') throw new Error(this.lab.error);
        return this.lab?.state === 'ready' && this.lab;
      },
      timeoutMs,
    );
  }

  terminalOf(node: string): string {
    const terminal = this.lab?.terminals.find((t) => t.node === node);
    if (!terminal) throw new Error(`no terminal for ${node}`);
    return terminal.id;
  }

  /** Attaches to a terminal from `offset`; with `ack: false` it never acknowledges output (a stuck browser). */
  attach(terminalId: string, offset = 0, ack = true): Promise<AttachReply> {
    this.outputs.set(terminalId, { text: '', ack, acks: new AckCounter() });
    return new Promise((resolve) => this.socket.emit('term:attach', { terminalId, offset }, resolve));
  }

  type(terminalId: string, text: string): void {
    this.socket.emit('term:input', terminalId, text);
  }

  output(terminalId: string): string {
    return this.outputs.get(terminalId)?.text ?? '';
  }

  /** Waits until a terminal's output matches. */
  waitForOutput(terminalId: string, pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
    return this.until(
      `output matching ${pattern}`,
      () => this.output(terminalId).match(pattern) ?? undefined,
      timeoutMs,
    );
  }

  /** Round trip of a socket.io message (ms). */
  async ping(): Promise<number> {
    const started = performance.now();
    await new Promise<void>((resolve) => this.socket.emit('ping', resolve));
    return performance.now() - started;
  }

  close(): void {
    this.socket.disconnect();
  }

  private changed(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
